"""The true duplicates Concord leaves apart, set by set, with what the rules said about each pair.

    .venv/bin/python -m bench.dedup_missed                 # every set, as exported and hard
    .venv/bin/python -m bench.dedup_missed --hard copper   # one variant, sets by name

For sets with clusters, every truly duplicate pair left in two groups; "queue" marks those a
person answering the queue would join. For the Bond sets (truth: Duplicate captions only), every
captioned record outside any automatic cluster, with its most alike captioned partner.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import dedup_sets  # noqa: E402
from bench.bench_dedup import without_abstracts_and_dois  # noqa: E402
from review.dedup import find_duplicates  # noqa: E402
from review.dedup.prepared import prepare  # noqa: E402
from review.dedup.scoring import compare, title_similarity  # noqa: E402


def _line(rec: dict) -> str:
    authors = rec["authors"] if isinstance(rec["authors"], str) else "; ".join(rec["authors"])
    return (
        f"  [{rec['id']}] {rec['title']!r}\n      authors={authors[:80]!r} year={rec['year']} "
        f"journal={rec['journal'][:60]!r} volume={rec['volume']!r} issue={rec['issue']!r} "
        f"pages={rec['pages']!r} type={rec['publication_type']!r}"
    )


def missed(labelled: dedup_sets.LabelledSet) -> list[tuple[frozenset, bool]]:
    """(pair, joined by the queue) for every true pair left apart."""
    result = find_duplicates(labelled.records)
    if labelled.clusters is not None:
        after_queue = dedup_sets.missed_pairs(result, labelled, with_queue=True)
        pairs = sorted(dedup_sets.missed_pairs(result, labelled), key=lambda p: sorted(map(str, p)))
        return [(p, p not in after_queue) for p in pairs]
    clustered = {i for c in result.clusters for i in c.ids}
    asked = {
        i for p in result.review_queue for i in (p.id_a, p.id_b)
        if p.id_a in labelled.flagged and p.id_b in labelled.flagged
    }
    prepared = {r["id"]: prepare(r, k) for k, r in enumerate(labelled.records)}
    out = []
    for rec_id in sorted(labelled.flagged - clustered):
        partner = max(
            (j for j in labelled.flagged if j != rec_id),
            key=lambda j: title_similarity(prepared[rec_id], prepared[j]),
        )
        out.append((frozenset((rec_id, partner)), rec_id in asked))
    return out


def report(labelled: dedup_sets.LabelledSet, variant: str) -> None:
    by_id = {r["id"]: r for r in labelled.records}
    pairs = missed(labelled)
    print(f"===== {labelled.name}, {variant}: {len(pairs)} left apart, {sum(not q for _, q in pairs)} even with the queue")
    for pair, queued in pairs:
        a, b = sorted(pair, key=str)
        verdict = compare(prepare(by_id[a], 0), prepare(by_id[b], 1))
        print(f"-- {'queue' if queued else 'MISSED'}: {verdict.decision} {', '.join(verdict.reasons)}")
        print(_line(by_id[a]))
        print(_line(by_id[b]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="parts of set names (default: every set)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--hard", action="store_true", help="only without abstracts, DOIs and PMIDs")
    group.add_argument("--exported", action="store_true", help="only as exported")
    args = parser.parse_args(argv)
    for labelled in dedup_sets.load_all():
        if args.names and not any(n.lower() in labelled.name.lower() for n in args.names):
            continue
        if not args.hard:
            report(labelled, "as exported")
        if not args.exported:
            report(without_abstracts_and_dois(labelled), "hard")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
