"""Agreement per reviewer pair and stage, from the votes (glue between selectors and review.agreement)."""

from __future__ import annotations

from collections import Counter

from concord import spreadsheets
from review.agreement import byrt_indices, cohen_kappa_table, fleiss_kappa_grouped
from review.models.screening import Stage
from review.screening import selectors
from review.screening.services import reviewers_needed

# Maybe moves a record on exactly as include does, so agreement is measured on what the
# votes do to the record (include vs exclude), not on their wording; the selectors
# fold maybe into include in SQL.
INCLUDE, EXCLUDE = "include", "exclude"
CELLS = ((INCLUDE, INCLUDE), (INCLUDE, EXCLUDE), (EXCLUDE, INCLUDE), (EXCLUDE, EXCLUDE))
ALL_PAIRS = "All pairs"


def _row(a: str, b: str, cells) -> dict | None:
    result = cohen_kappa_table(cells)
    if result is None:
        return None
    byrt = byrt_indices(cells, INCLUDE, EXCLUDE)
    return {"a": a, "b": b, "cells": {key: cells.get(key, 0) for key in CELLS}, "result": result,
            "byrt": byrt, "bias_index": byrt.bias_index}


def agreement_for(review) -> list[dict]:
    """Per stage: each pair's table, kappa, PABAK and indices; with several pairs, their pooled table.

    The pooled row counts each record once per pair that screened it, so it is the agreement of
    a vote with its partner vote across the stage, not a kappa of any one pair.
    """
    out = []
    for stage, label in Stage.choices:
        pairs = []
        pooled: Counter = Counter()
        for (a, b), cells in sorted(selectors.pair_tables(review, stage).items()):
            row = _row(a, b, cells)
            if row is not None:
                pairs.append(row)
                pooled.update(cells)
        overall = _row(ALL_PAIRS, "", pooled) if len(pairs) > 1 else None
        if overall:
            # Which reviewer is "A" changes from pair to pair (they are in name order), so a
            # pooled bias index would add up opposite signs: it has no meaning.
            overall["bias_index"] = None
        fleiss = None
        needed = reviewers_needed(review, stage)
        if needed > 2:
            table = selectors.include_count_table(review, stage, needed)
            fleiss = fleiss_kappa_grouped({(inc, needed - inc): n for inc, n in table.items()})
        out.append({"stage": stage, "label": label, "pairs": pairs, "overall": overall, "fleiss": fleiss})
    return out


EXPORT_HEADER = [
    "stage", "reviewer_a", "reviewer_b", "records", "both_include", "a_include_b_exclude", "a_exclude_b_include",
    "both_exclude", "percent_agreement", "kappa", "kappa_se", "kappa_ci_low", "kappa_ci_high",
    "kappa_ci_truncated", "pabak", "prevalence_index", "bias_index",
]


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def export_rows(agreement: list[dict]) -> list[list]:
    """One row per pair and stage (and the pooled row), the numbers the dashboard shows unrounded."""
    rows = []
    for stage in agreement:
        for row in [*stage["pairs"], *([stage["overall"]] if stage["overall"] else [])]:
            r, byrt, cells = row["result"], row["byrt"], row["cells"]
            rows.append([
                stage["label"], row["a"], row["b"], r.n, *(cells[key] for key in CELLS), r.percent_agreement,
                r.kappa, r.se, r.ci_low, r.ci_high, _yes_no(r.ci_truncated) if r.kappa is not None else None,
                byrt.pabak, byrt.prevalence_index, row["bias_index"],
            ])
    return rows


def agreement_csv(review) -> bytes:
    return spreadsheets.csv_bytes(EXPORT_HEADER, export_rows(agreement_for(review)))


def agreement_xlsx(review) -> bytes:
    return spreadsheets.xlsx_bytes({"Agreement": (EXPORT_HEADER, export_rows(agreement_for(review)))})
