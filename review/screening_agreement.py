"""Agreement per reviewer pair and stage, from the votes (glue between selectors and review.agreement)."""

from __future__ import annotations

from itertools import combinations

from review import screening_selectors
from review.agreement import cohen_kappa, fleiss_kappa
from review.models.screening import Stage, Vote
from review.services.screening import reviewers_needed


def _binary(vote: str) -> str:
    # Maybe moves a record on exactly as include does, so agreement is measured on what
    # the votes do to the record (include vs exclude), not on their wording.
    return "exclude" if vote == Vote.EXCLUDE else "include"


def agreement_for(review) -> list[dict]:
    out = []
    for stage, label in Stage.choices:
        table = screening_selectors.votes_by_record(review, stage)
        reviewers = sorted({name for votes in table.values() for name in votes})
        pairs = []
        for a, b in combinations(reviewers, 2):
            both = [(_binary(v[a]), _binary(v[b])) for v in table.values() if a in v and b in v]
            result = cohen_kappa(both)
            if result is not None:
                pairs.append({"a": a, "b": b, "result": result})
        fleiss = None
        needed = reviewers_needed(review, stage)
        if needed > 2:
            rows = []
            for votes in table.values():
                if len(votes) == needed:
                    binary = [_binary(v) for v in votes.values()]
                    rows.append([binary.count("include"), binary.count("exclude")])
            fleiss = fleiss_kappa(rows)
        out.append({"stage": stage, "label": label, "pairs": pairs, "fleiss": fleiss})
    return out
