"""Screening for the demo review, following the published review's own inclusion decisions.

The votes are the demo users' (simulated), not the published authors'; what they decide is the
paper's list of included references (fixtures/demo/goswami2022_included.csv). A few deliberate
disagreements give the arbiter conflicts, one left open for a visitor to settle, and the last
records are left unscreened so a reviewer has a queue to try.
"""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import quote_plus

from review.models import Record
from review.models.screening import Conflict, ConflictStatus, Stage, Vote
from review.screening.services import (
    conflict_resolve,
    decision_record,
    fulltext_attach,
    stages_sync,
)

UNSCREENED = 5  # the last references stay in the reviewers' queues
DISAGREEMENTS = 3  # on references the paper excluded; all but the last are settled


def _included_refs(path: Path) -> dict[int, bool]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {int(row["ref"]): row["included_in_review"].strip() == "yes" for row in csv.DictReader(handle)}


def _full_text_link(record: Record) -> str:
    if record.doi:
        return f"https://doi.org/{record.doi}"
    # Conference abstracts in the list carry no DOI: a search for the title finds them.
    return "https://pubmed.ncbi.nlm.nih.gov/?term=" + quote_plus(record.title)


def screen(*, review, included_csv: Path, reviewers, arbiter, lead) -> dict:
    stages_sync(review=review)
    included = _included_refs(included_csv)
    records = list(Record.objects.filter(review=review, duplicate_of__isnull=True).order_by("position"))
    screened = records[:-UNSCREENED]
    excluded_refs = [r.position for r in screened if not included.get(r.position, False)]
    disputed = set(excluded_refs[:DISAGREEMENTS])
    first, second = reviewers
    for record in screened:
        vote = Vote.INCLUDE if included.get(record.position, False) else Vote.EXCLUDE
        decision_record(review=review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=first, vote=vote)
        other = Vote.INCLUDE if record.position in disputed else vote
        note = "Could report muscle outcomes; check the full text." if other != vote else ""
        decision_record(review=review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=second,
                        vote=other, note=note)
    conflicts = list(Conflict.objects.filter(record__review=review, status=ConflictStatus.OPEN).order_by("record__position"))
    for conflict in conflicts[:-1]:
        conflict_resolve(conflict=conflict, arbiter=arbiter, outcome=Vote.EXCLUDE,
                         note="Not a study of immunoglobulin in myositis patients.")
    for record in screened:
        if not included.get(record.position, False):
            continue
        fulltext_attach(record=record, actor=lead, url=_full_text_link(record))
        for reviewer in reviewers:
            decision_record(review=review, record=record, stage=Stage.FULL_TEXT, reviewer=reviewer, vote=Vote.INCLUDE)
    return {"screened": len(screened), "conflicts": len(conflicts), "open_conflicts": 1 if conflicts else 0}
