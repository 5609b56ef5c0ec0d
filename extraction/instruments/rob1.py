"""Cochrane risk-of-bias tool for randomised trials, version 1 (seven domains).

References
----------
Higgins JPT, Altman DG, Gøtzsche PC, et al. The Cochrane Collaboration's tool for assessing
risk of bias in randomised trials. BMJ 2011;343:d5928. The summary judgement follows the
Cochrane Handbook 5.1, Table 8.7.a, with every domain treated as key: high if any domain is
high, otherwise unclear if any is unclear, otherwise low.
"""

from __future__ import annotations

from collections.abc import Mapping

from extraction.instruments.common import HIGH, LOW, UNCLEAR, Assessment, Domain, Instrument, Item

CHOICES = ((LOW, "Low risk"), (HIGH, "High risk"), (UNCLEAR, "Unclear risk"))

DOMAINS = (
    Domain("random_sequence", "Random sequence generation (selection bias)", "D1"),
    Domain("allocation_concealment", "Allocation concealment (selection bias)", "D2"),
    Domain("blinding_participants", "Blinding of participants and personnel (performance bias)", "D3"),
    Domain("blinding_outcome", "Blinding of outcome assessment (detection bias)", "D4"),
    Domain("incomplete_outcome", "Incomplete outcome data (attrition bias)", "D5"),
    Domain("selective_reporting", "Selective reporting (reporting bias)", "D6"),
    Domain("other", "Other bias", "D7"),
)

ITEMS = tuple(
    item
    for d in DOMAINS
    for item in (
        Item(key=d.key, domain=d.key, label=d.label, choices=CHOICES),
        Item(key=f"{d.key}.support", domain=d.key, label=f"Support for judgement: {d.label}",
             kind="long_text", required=False),
    )
)


def score(answers: Mapping[str, str]) -> Assessment:
    judgements = {d.key: (answers.get(d.key) or None) for d in DOMAINS}
    for key, value in judgements.items():
        if value is not None and value not in (LOW, HIGH, UNCLEAR):
            raise ValueError(f"{key}: {value!r} is not low, high or unclear")
    values = list(judgements.values())
    if None in values:
        overall = None
    elif HIGH in values:
        overall = HIGH
    elif UNCLEAR in values:
        overall = UNCLEAR
    else:
        overall = LOW
    return Assessment(domains=judgements, overall=overall)


ROB1 = Instrument(code="rob1", name="Cochrane risk-of-bias tool (RoB 1)", reference="Higgins 2011 BMJ",
                  domains=DOMAINS, items=ITEMS, score=score)
