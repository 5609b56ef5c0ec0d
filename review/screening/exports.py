"""Exports of screening: included records (RIS, CSV) and every vote (CSV).

The CSV files go through ``concord.spreadsheets``, the writer every download shares, so no
cell is one a spreadsheet would run as a formula.
"""

from __future__ import annotations

from django.db.models import Q

from concord import spreadsheets
from review.models import Record, ScreeningDecision
from review.models.screening import Stage, StageStatus

RIS_TYPES = {"journal_article": "JOUR", "conference_abstract": "ABST", "conference_paper": "CPAPER",
             "book": "BOOK", "book_section": "CHAP", "thesis": "THES", "report": "RPRT", "preprint": "JOUR"}


def included_records(review):
    return (
        Record.objects.filter(review=review, duplicate_of__isnull=True, stages__stage=Stage.FULL_TEXT,
                              stages__status=StageStatus.INCLUDED)
        .select_related("study", "source").order_by("id")
    )


def _votes_by_record(review, record_ids) -> dict[int, list[ScreeningDecision]]:
    table: dict[int, list[ScreeningDecision]] = {}
    decisions = ScreeningDecision.objects.filter(record_id__in=record_ids).select_related("reviewer", "exclusion_reason")
    for d in decisions.order_by("record_id", "stage", "reviewer__username"):
        table.setdefault(d.record_id, []).append(d)
    return table


def included_csv(review) -> str:
    records = list(included_records(review))
    votes = _votes_by_record(review, [r.pk for r in records])
    header = ["record_id", "study", "title", "authors", "year", "journal", "doi", "pmid", "source",
              "title_abstract_votes", "full_text_votes", "notes"]
    rows = []
    for r in records:
        mine = votes.get(r.pk, [])
        ta = "; ".join(f"{d.reviewer.username}: {d.vote}" for d in mine if d.stage == Stage.TITLE_ABSTRACT)
        ft = "; ".join(f"{d.reviewer.username}: {d.vote}" for d in mine if d.stage == Stage.FULL_TEXT)
        notes = " | ".join(f"{d.reviewer.username}: {d.note}" for d in mine if d.note)
        rows.append([r.pk, r.study.label if r.study_id else "", r.title, "; ".join(r.authors), r.year or "",
                     r.journal, r.doi, r.pmid, r.source.name, ta, ft, notes])
    return spreadsheets.csv_text(header, rows)


def _ris_line(tag: str, value) -> str:
    # RIS is line-based: a newline inside a value would start a bogus tag.
    return f"{tag}  - {' '.join(str(value).split())}\n"


def included_ris(review) -> str:
    out = []
    for r in included_records(review):
        out.append(_ris_line("TY", RIS_TYPES.get(r.publication_type, "GEN")))
        out.append(_ris_line("TI", r.title))
        out.extend(_ris_line("AU", a) for a in r.authors)
        for tag, value in (("PY", r.year), ("JO", r.journal), ("VL", r.volume), ("IS", r.issue),
                           ("SP", r.pages), ("DO", r.doi), ("AN", r.pmid), ("AB", r.abstract), ("UR", r.url)):
            if value:
                out.append(_ris_line(tag, value))
        out.extend(_ris_line("KW", k) for k in r.keywords)
        if r.study_id:
            out.append(_ris_line("N1", f"Study: {r.study.label}"))
        out.append(_ris_line("ID", f"concord-{r.pk}"))
        out.append("ER  - \n\n")
    return "".join(out)


def votes_csv(review, *, hidden: Q | None = None) -> str:
    """Every vote; ``hidden`` (review.blinding.votes_hidden_from) leaves out those the viewer may not read."""
    header = ["record_id", "title", "stage", "reviewer", "vote", "exclusion_reason", "note", "labels",
              "created_at", "updated_at"]
    decisions = (
        ScreeningDecision.objects.filter(record__review=review)
        .select_related("record", "reviewer", "exclusion_reason").order_by("record_id", "stage", "reviewer__username")
    )
    if hidden:
        decisions = decisions.exclude(hidden)
    rows = (
        [d.record_id, d.record.title, d.stage, d.reviewer.username, d.vote,
         d.exclusion_reason.label if d.exclusion_reason_id else "", d.note, ", ".join(d.labels),
         d.created_at.isoformat(), d.updated_at.isoformat()]
        for d in decisions.iterator(chunk_size=2000)
    )
    return spreadsheets.csv_text(header, rows)
