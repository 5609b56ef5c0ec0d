"""Agreement per reviewer pair and stage, from the votes (glue between selectors and review.agreement)."""

from __future__ import annotations

from review.agreement import cohen_kappa_table, fleiss_kappa_grouped
from review.models.screening import Stage
from review.screening import selectors
from review.screening.services import reviewers_needed

# Maybe moves a record on exactly as include does, so agreement is measured on what the
# votes do to the record (include vs exclude), not on their wording; the selectors
# fold maybe into include in SQL.


def agreement_for(review) -> list[dict]:
    out = []
    for stage, label in Stage.choices:
        pairs = []
        for (a, b), cells in sorted(selectors.pair_tables(review, stage).items()):
            result = cohen_kappa_table(cells)
            if result is not None:
                pairs.append({"a": a, "b": b, "result": result})
        fleiss = None
        needed = reviewers_needed(review, stage)
        if needed > 2:
            table = selectors.include_count_table(review, stage, needed)
            fleiss = fleiss_kappa_grouped({(inc, needed - inc): n for inc, n in table.items()})
        out.append({"stage": stage, "label": label, "pairs": pairs, "fleiss": fleiss})
    return out
