"""Agreement at first pass: share of cells agreeing per extractor pair; Cohen's kappa per
appraisal domain.

References
----------
Cohen J. A coefficient of agreement for nominal scales. Educ Psychol Meas 1960;20:37-46.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from extraction.instruments import INSTRUMENTS
from extraction.models import Consensus, Extraction


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Kappa of paired nominal ratings; None when undefined (no pairs, or chance agreement is 1)."""
    n = len(pairs)
    if n == 0:
        return None
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in set(first) | set(second)) / (n * n)
    if expected == 1:
        return None
    return (observed - expected) / (1 - expected)


def _pairs(review, kind):
    rows = Extraction.objects.filter(study__review=review, kind=kind, status=Extraction.SUBMITTED).select_related(
        "user")
    by_study = defaultdict(dict)
    for e in rows:
        by_study[e.study_id][e.slot] = e
    return {sid: (p["a"], p["b"]) for sid, p in by_study.items() if len(p) == 2}


def pair_agreement(review) -> list[dict]:
    """Per extractor pair: studies, cells compared, cells agreeing at first pass, and the share."""
    totals = defaultdict(lambda: {"studies": 0, "cells": 0, "agreed": 0})
    consensus = {c.study_id: c for c in Consensus.objects.filter(study__review=review, kind="extraction")}
    for sid, (a, b) in _pairs(review, "extraction").items():
        if sid not in consensus:
            continue
        c = consensus[sid]
        key = tuple(sorted((a.user.username, b.user.username)))
        totals[key]["studies"] += 1
        totals[key]["agreed"] += len(c.agreed_keys)
        totals[key]["cells"] += len(c.agreed_keys) + c.discrepancies.count()
    return [
        {"pair": " & ".join(k), **v, "share": (v["agreed"] / v["cells"]) if v["cells"] else None}
        for k, v in sorted(totals.items())
    ]


def domain_kappas(review) -> list[dict]:
    """Per instrument and domain: Cohen's kappa of the two assessors' domain judgements."""
    ratings = defaultdict(list)
    for a, b in _pairs(review, "appraisal").values():
        instrument = INSTRUMENTS[a.instrument]
        ja, jb = instrument.score(a.data), instrument.score(b.data)
        for d in instrument.domains:
            if ja.domains[d.key] and jb.domains[d.key]:
                ratings[(instrument.code, d.key)].append((ja.domains[d.key], jb.domains[d.key]))
    out = []
    for (code, domain), pairs in sorted(ratings.items()):
        instrument = INSTRUMENTS[code]
        out.append({"instrument": instrument.name, "domain": instrument.domain_label(domain), "studies": len(pairs),
                    "agreement": sum(x == y for x, y in pairs) / len(pairs), "kappa": cohen_kappa(pairs)})
    return out
