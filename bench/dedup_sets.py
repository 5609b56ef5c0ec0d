"""Loaders for the labelled de-duplication sets in ``../shared/test-data/dedup``.

Deliberately independent of ``review.importers``: the benchmark must measure the
de-duplicator alone, and these files have quirks (latin-1, mashed authors, DOIs in
a note field) that a general importer need not reproduce exactly.

Every loader returns a :class:`LabelledSet` whose records are plain dicts with the
keys ``review.dedup`` reads.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT.parent / "shared" / "test-data" / "dedup"
SCREENING_DIR = REPO_ROOT.parent / "shared" / "test-data" / "screening" / "asreview_legacy"

FIELDS = (
    "id", "title", "authors", "year", "journal", "volume", "issue", "pages", "doi",
    "pmid", "abstract", "publication_type", "issn",
)


@dataclass
class LabelledSet:
    """Records plus truth: either full ``clusters`` or only ``flagged`` members.

    ``clusters`` lists every publication (singletons included) as a frozenset of ids.
    ``flagged`` is used when the truth only says which records belong to *some*
    duplicate set (the Bond EndNote files).
    """

    name: str
    records: list[dict]
    clusters: list[frozenset] | None = None
    flagged: set = field(default_factory=set)


def available() -> bool:
    return DATA_DIR.is_dir()


def _year(value) -> int | None:
    match = re.search(r"(1[89]|20)\d\d", str(value or ""))
    return int(match.group(0)) if match else None


def _record(**kwargs) -> dict:
    rec = dict.fromkeys(FIELDS, "")
    rec["authors"] = []
    rec["year"] = None
    rec.update(kwargs)
    return rec


def _read_clusters(path: Path, id_of) -> list[frozenset]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            frozenset(id_of(x) for x in row["merged_ids"].split(";"))
            for row in csv.DictReader(handle)
        ]


def _complete(clusters: list[frozenset], ids) -> list[frozenset]:
    seen = set().union(*clusters) if clusters else set()
    return clusters + [frozenset([i]) for i in ids if i not in seen]


def _bibtex_type(entrytype: str) -> str:
    return {
        "article": "journal_article",
        "inproceedings": "conference_paper",
        "proceedings": "conference_paper",
        "book": "book",
        "incollection": "book_section",
        "inbook": "book_section",
        "phdthesis": "thesis",
        "mastersthesis": "thesis",
    }.get((entrytype or "").lower(), "")


def load_asysd_diabetes() -> LabelledSet:
    folder = DATA_DIR / "asysd_diabetes"
    # latin-1 with CRLFs inside quoted fields: newline="" lets csv keep them in the field.
    with (folder / "labelled_test_set.csv").open(encoding="latin-1", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        for key, value in row.items():
            if value == "NA":  # R's write.csv spelling of a missing value
                row[key] = ""
    records = [
        _record(
            id=int(row["record_id"]),
            title=row["title"],
            authors=row["author"],
            year=_year(row["year"]),
            journal=row["journal"],
            volume=row["volume"],
            issue=row["number"],
            pages=row["pages"],
            doi=row["doi"],
            abstract=row["abstract"],
            issn=row["isbn"],
        )
        for row in rows
    ]
    clusters = _read_clusters(folder / "merged_record_ids.csv", lambda x: int(x[3:]))
    return LabelledSet(
        "ASySD diabetes", records, _complete(clusters, [r["id"] for r in records])
    )


def _load_bib_dedupe_csv(folder: Path, name: str) -> LabelledSet:
    with (folder / "records_pre_merged.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = []
    for row in rows:
        doi = row.get("doi") or ""
        if not doi and (row.get("note") or "").startswith("10."):
            doi = row["note"]
        entrytype = row.get("ENTRYTYPE", "")
        records.append(
            _record(
                id=row["ID"],
                title=row.get("title", ""),
                authors=row.get("author", ""),
                year=_year(row.get("year")),
                journal=row.get("journal") or row.get("booktitle") or "",
                volume=row.get("volume", ""),
                issue=row.get("number") or row.get("issue") or "",
                pages=row.get("pages", ""),
                doi=doi,
                abstract=row.get("abstract", ""),
                publication_type=_bibtex_type(entrytype),
            )
        )
    clusters = _read_clusters(folder / "merged_record_ids.csv", str)
    return LabelledSet(name, records, _complete(clusters, [r["id"] for r in records]))


def load_wagner_digital_work() -> LabelledSet:
    return _load_bib_dedupe_csv(DATA_DIR / "digital_work_wagner2021", "Wagner digital work")


def load_special_cases() -> LabelledSet:
    return _load_bib_dedupe_csv(DATA_DIR / "bib_dedupe_special_cases", "bib-dedupe special cases")


def _text(node, path: str) -> str:
    found = node.find(path)
    if found is None:
        return ""
    # EndNote writes "&#xD;" between values of a multi-valued field.
    return "".join(found.itertext()).replace("\r", "\n").strip()


def _endnote_type(work_type: str, ref_type: str) -> str:
    low = work_type.lower()
    if "conference abstract" in low or "conference review" in low:
        return "conference_abstract"
    if "conference paper" in low:
        return "conference_paper"
    if "erratum" in low:
        return "erratum"
    if "editorial" in low or low == "note" or "comment" in low or "letter" in low:
        return "comment"
    if "review" in low:
        return "review"
    return "journal_article" if ref_type == "Journal Article" else ""


def _endnote_pmid(node) -> str:
    for tag in ("accession-num", "custom5"):
        value = _text(node, tag)
        if value.isdigit() and len(value) <= 8:
            return value
    match = re.search(r"PUBMED\s+(\d{1,8})", _text(node, "custom3"))
    return match.group(1) if match else ""


def load_bond_endnote(stem: str) -> LabelledSet:
    path = DATA_DIR / "bond_iebh_endnote_xml" / f"{stem}.xml"
    root = ElementTree.parse(path).getroot()
    records, flagged = [], set()
    for node in root.iter("record"):
        rec_id = int(_text(node, "rec-number"))
        ref_type = node.find("ref-type")
        records.append(
            _record(
                id=rec_id,
                title=_text(node, "titles/title"),
                authors=[
                    "".join(a.itertext()) for a in node.findall("contributors/authors/author")
                ],
                year=_year(_text(node, "dates/year")),
                journal=_text(node, "periodical/full-title") or _text(node, "titles/secondary-title"),
                volume=_text(node, "volume"),
                issue=_text(node, "number"),
                pages=_text(node, "pages"),
                doi=_text(node, "electronic-resource-num"),
                pmid=_endnote_pmid(node),
                abstract=_text(node, "abstract"),
                publication_type=_endnote_type(
                    _text(node, "work-type"), ref_type.get("name", "") if ref_type is not None else ""
                ),
                issn=_text(node, "isbn"),
            )
        )
        if _text(node, "caption") == "Duplicate":
            flagged.add(rec_id)
    return LabelledSet(f"Bond {stem}", records, None, flagged)


# Pairs that the shipped ``duplicate_record_id`` links leave out although both records carry
# the same title (up to case, a leading article, a dropped subtitle or a cut-off end), the
# same abstract (identical, or identical up to a database's copyright line) and, where given,
# the same year: the same paper exported by two databases, as the linked pairs are. Scoring
# against the links as shipped counts merging them as a false merge. They are added here,
# never in the shared files; ``--labels-as-shipped`` scores against the links alone.
MISSING_LINKS = {
    "Nagtegaal_2019": ((613, 614), (1017, 1018), (1895, 1896), (1961, 1962)),
    "Kitchenham_2010": ((222, 856), (801, 802), (989, 1272), (1344, 1345)),
}


def load_asreview_screening(stem: str, corrected: bool = True) -> LabelledSet:
    """An ASReview screening set whose ``duplicate_record_id`` column links a record to the
    one it duplicates (Nagtegaal 2019, Kitchenham 2010). Only titles, abstracts and (for
    Kitchenham) years are given: the sparsest records of any set here."""
    with (SCREENING_DIR / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    records = [
        _record(
            id=int(row["record_id"]),
            title=row["title"],
            abstract=row.get("abstract") or "",
            year=_year(row.get("year")),
        )
        for row in rows
    ]
    links = [
        frozenset((int(row["record_id"]), int(float(row["duplicate_record_id"]))))
        for row in rows
        if (row.get("duplicate_record_id") or "").strip()
    ]
    if corrected:
        links += [frozenset(pair) for pair in MISSING_LINKS.get(stem, ())]
    # A record linked to two others makes one publication of three: join the links.
    labels = _partition([r["id"] for r in records], links)
    groups: dict = {}
    for rec_id, label in labels.items():
        groups.setdefault(label, set()).add(rec_id)
    return LabelledSet(stem.replace("_", " "), records, [frozenset(g) for g in groups.values()])


def load_all(corrected: bool = True) -> list[LabelledSet]:
    sets = [
        load_asysd_diabetes(),
        load_wagner_digital_work(),
        load_bond_endnote("copper"),
        load_bond_endnote("tafenoquine"),
        load_special_cases(),
    ]
    if SCREENING_DIR.is_dir():
        sets += [load_asreview_screening(stem, corrected) for stem in ("Nagtegaal_2019", "Kitchenham_2010")]
    return sets


# --- scoring a de-duplication result against the truth ------------------------


@dataclass
class Scores:
    """Confusion counts of one evaluation unit (record pairs or records)."""

    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def sensitivity(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 1.0


def _partition(ids, groups) -> dict:
    """id -> group label, with union-find so overlapping groups join."""
    parent = {i: i for i in ids}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for group in groups:
        group = list(group)
        for other in group[1:]:
            ra, rb = find(group[0]), find(other)
            if ra != rb:
                parent[rb] = ra
    return {i: find(i) for i in ids}


def _pairs_within(labels: dict) -> set:
    by_label: dict = {}
    for i, lab in labels.items():
        by_label.setdefault(lab, []).append(i)
    out = set()
    for members in by_label.values():
        members.sort(key=str)
        for x, a in enumerate(members):
            for b in members[x + 1 :]:
                out.add((a, b))
    return out


def predicted_groups(result, labelled: LabelledSet, with_queue: bool) -> list:
    """Automatic clusters, plus (``with_queue``) the queue pairs a perfect human confirms.

    For the Bond sets the truth has no clusters, so a queue pair counts as
    confirmed when both records carry the Duplicate caption.
    """
    groups = [c.ids for c in result.clusters]
    if with_queue:
        if labelled.clusters is not None:
            truth = _partition([r["id"] for r in labelled.records], labelled.clusters)
            groups += [
                (p.id_a, p.id_b) for p in result.review_queue if truth[p.id_a] == truth[p.id_b]
            ]
        else:
            groups += [
                (p.id_a, p.id_b)
                for p in result.review_queue
                if p.id_a in labelled.flagged and p.id_b in labelled.flagged
            ]
    return groups


def pairwise_scores(result, labelled: LabelledSet, with_queue: bool = False) -> Scores:
    """Record pairs: TP = pair merged and truly the same publication, and so on."""
    ids = [r["id"] for r in labelled.records]
    truth = _pairs_within(_partition(ids, labelled.clusters))
    pred = _pairs_within(_partition(ids, predicted_groups(result, labelled, with_queue)))
    tp = len(truth & pred)
    fp = len(pred - truth)
    fn = len(truth - pred)
    n = len(ids)
    return Scores(tp, fp, fn, n * (n - 1) // 2 - tp - fp - fn)


def removal_scores(result, labelled: LabelledSet, with_queue: bool = False) -> Scores:
    """Records to remove, as ASySD counts them.

    Each predicted cluster keeps one record and removes the rest. A removal is
    correct when the cluster still keeps one record of every true publication
    it touches: removals = size - 1, of which (true publications in the
    cluster - 1) are false. Positives are the true duplicates (size - 1 of each
    true cluster).
    """
    ids = [r["id"] for r in labelled.records]
    truth = _partition(ids, labelled.clusters)
    pred = _partition(ids, predicted_groups(result, labelled, with_queue))
    by_pred: dict = {}
    for i, lab in pred.items():
        by_pred.setdefault(lab, set()).add(truth[i])
    cluster_sizes: dict = {}
    for lab in pred.values():
        cluster_sizes[lab] = cluster_sizes.get(lab, 0) + 1
    removed = sum(size - 1 for size in cluster_sizes.values())
    fp = sum(len(pubs) - 1 for pubs in by_pred.values())
    tp = removed - fp
    positives = len(ids) - len(set(truth.values()))
    fn = positives - tp
    return Scores(tp, fp, fn, len(ids) - positives - fp)


def flagged_scores(result, labelled: LabelledSet, with_queue: bool = False) -> Scores:
    """Records: predicted to be in a duplicate set vs carrying the Duplicate caption."""
    ids = [r["id"] for r in labelled.records]
    pred = _partition(ids, predicted_groups(result, labelled, with_queue))
    sizes: dict = {}
    for lab in pred.values():
        sizes[lab] = sizes.get(lab, 0) + 1
    in_set = {i for i, lab in pred.items() if sizes[lab] > 1}
    flagged = labelled.flagged
    tp = len(in_set & flagged)
    fp = len(in_set - flagged)
    fn = len(flagged - in_set)
    return Scores(tp, fp, fn, len(ids) - tp - fp - fn)


def queue_records(result) -> int:
    return len({i for p in result.review_queue for i in (p.id_a, p.id_b)})


# --- synthetic scale-up ---------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]{2,}")
# "and" separates BibTeX author names; "et al" marks a truncated author list.
_KEEP_WORDS = {"and", "et", "al"}


def scaled_set(n: int, base: list[LabelledSet], seed: int = 0) -> LabelledSet:
    """``n`` records made of the base sets and perturbed copies of them.

    Copy 0 is the real records. Copy ``k`` rewrites every word of the titles,
    authors and abstract openings through a random permutation of the base
    vocabulary (seeded by ``k``), appends ``/copy{k}`` to DOIs, adds
    ``k * 10**8`` to PMIDs, ``1000 * k`` to the volume number and prefixes ids
    with ``c{k}:``. Journals, years, issues and pages are kept, so block sizes
    grow as they would in a real 100,000-record review of one field. One permutation per copy keeps the
    real duplicates of a copy duplicates of each other, so the truth scales too.
    """
    import random

    pool = [(s, r) for s in base for r in s.records]
    vocab = sorted(
        {
            w.lower()
            for _, r in pool
            for field_ in (r["title"], " ".join(r["authors"]) if isinstance(r["authors"], list) else r["authors"])
            for w in _WORD_RE.findall(field_ or "")
        }
        - _KEEP_WORDS
    )
    records, clusters = [], []
    copy = 0
    while len(records) < n:
        rng = random.Random(seed * 1000 + copy)
        shuffled = vocab[:]
        rng.shuffle(shuffled)
        mapping = dict(zip(vocab, shuffled, strict=True)) if copy else None

        def swap(text, mapping=mapping):
            if not mapping or not text:
                return text
            return _WORD_RE.sub(lambda m: mapping.get(m.group(0).lower(), m.group(0)), text)

        prefix = f"c{copy}:"
        taken = set()
        for labelled, rec in pool:
            if len(records) >= n:
                break
            new = dict(rec)
            new["id"] = f"{prefix}{labelled.name}:{rec['id']}"
            if copy:
                new["title"] = swap(rec["title"])
                authors = rec["authors"]
                new["authors"] = [swap(a) for a in authors] if isinstance(authors, list) else swap(authors)
                abstract = rec["abstract"] or ""
                new["abstract"] = swap(abstract[:600]) + abstract[600:]
                new["doi"] = f"{rec['doi']}/copy{copy}" if rec["doi"] else ""
                new["pmid"] = str(int(rec["pmid"]) + copy * 10**8) if rec["pmid"] else ""
                # Two different papers never share journal, volume and page; the copies
                # must not either, or every copy of a paper would share one block.
                volume = re.sub(r"\d+", lambda m, k=copy: str(int(m.group(0)) + 1000 * k), str(rec["volume"] or ""), count=1)
                new["volume"] = volume
            records.append(new)
            taken.add((labelled.name, rec["id"]))
        for labelled in base:
            for cluster in labelled.clusters or ():
                ids = [f"{prefix}{labelled.name}:{i}" for i in cluster if (labelled.name, i) in taken]
                if ids:
                    clusters.append(frozenset(ids))
        copy += 1
    return LabelledSet(f"scaled {n}", records, clusters)


def missed_pairs(result, labelled: LabelledSet, with_queue: bool = False) -> set:
    """Truly duplicate record pairs left in different groups."""
    ids = [r["id"] for r in labelled.records]
    truth = _pairs_within(_partition(ids, labelled.clusters))
    pred = _pairs_within(_partition(ids, predicted_groups(result, labelled, with_queue)))
    return {frozenset(p) for p in truth - pred}
