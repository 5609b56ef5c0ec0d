"""Newcastle–Ottawa Scale for cohort and case-control studies, with the AHRQ conversion.

References
----------
Wells GA, Shea B, O'Connell D, et al. The Newcastle-Ottawa Scale (NOS) for assessing the
quality of nonrandomised studies in meta-analyses. Ottawa Hospital Research Institute.
AHRQ thresholds as used e.g. in Goswami et al., Autoimmunity Reviews 2022: good = 3-4 stars
in selection AND 1-2 in comparability AND 2-3 in outcome/exposure; fair = 2 in selection
AND 1-2 in comparability AND 2-3 in outcome/exposure; poor = 0-1 in selection OR 0 in
comparability OR 0-1 in outcome/exposure.
"""

from __future__ import annotations

from collections.abc import Mapping

from extraction.instruments.common import (
    FAIR,
    GOOD,
    HIGH,
    LOW,
    POOR,
    SOME_CONCERNS,
    Assessment,
    Domain,
    Instrument,
    Item,
)

STAR = "★"

# Each item: key, domain, label, options as (code, label, earns a star).
_COHORT = [
    ("S1", "selection", "Representativeness of the exposed cohort", [
        ("a", "Truly representative", True), ("b", "Somewhat representative", True),
        ("c", "Selected group", False), ("d", "No description of the derivation of the cohort", False)]),
    ("S2", "selection", "Selection of the non-exposed cohort", [
        ("a", "Drawn from the same community as the exposed cohort", True),
        ("b", "Drawn from a different source", False), ("c", "No description", False)]),
    ("S3", "selection", "Ascertainment of exposure", [
        ("a", "Secure record", True), ("b", "Structured interview", True),
        ("c", "Written self-report", False), ("d", "No description", False)]),
    ("S4", "selection", "Demonstration that the outcome was not present at the start of the study", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("C1a", "comparability", "Study controls for the most important factor", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("C1b", "comparability", "Study controls for any additional factor", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("O1", "outcome", "Assessment of outcome", [
        ("a", "Independent blind assessment", True), ("b", "Record linkage", True),
        ("c", "Self-report", False), ("d", "No description", False)]),
    ("O2", "outcome", "Was follow-up long enough for outcomes to occur?", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("O3", "outcome", "Adequacy of follow-up of cohorts", [
        ("a", "Complete follow-up", True), ("b", "Subjects lost unlikely to introduce bias", True),
        ("c", "Follow-up rate low and no description of those lost", False), ("d", "No statement", False)]),
]

_CASE_CONTROL = [
    ("S1", "selection", "Is the case definition adequate?", [
        ("a", "Yes, with independent validation", True), ("b", "Yes, e.g. record linkage or self-report", False),
        ("c", "No description", False)]),
    ("S2", "selection", "Representativeness of the cases", [
        ("a", "Consecutive or obviously representative series of cases", True),
        ("b", "Potential for selection biases or not stated", False)]),
    ("S3", "selection", "Selection of controls", [
        ("a", "Community controls", True), ("b", "Hospital controls", False), ("c", "No description", False)]),
    ("S4", "selection", "Definition of controls", [
        ("a", "No history of disease (endpoint)", True), ("b", "No description of source", False)]),
    ("C1a", "comparability", "Study controls for the most important factor", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("C1b", "comparability", "Study controls for any additional factor", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("E1", "exposure", "Ascertainment of exposure", [
        ("a", "Secure record", True), ("b", "Structured interview blind to case/control status", True),
        ("c", "Interview not blinded to case/control status", False), ("d", "Written self-report or medical record only", False),
        ("e", "No description", False)]),
    ("E2", "exposure", "Same method of ascertainment for cases and controls", [
        ("a", "Yes", True), ("b", "No", False)]),
    ("E3", "exposure", "Non-response rate", [
        ("a", "Same rate for both groups", True), ("b", "Non-respondents described", False),
        ("c", "Rate different and no designation", False)]),
]


def ahrq_rating(selection: int, comparability: int, outcome: int) -> str:
    """Good, fair or poor from the stars of the three NOS domains (AHRQ standards)."""
    if not (0 <= selection <= 4 and 0 <= comparability <= 2 and 0 <= outcome <= 3):
        raise ValueError(f"stars out of range: {selection}/{comparability}/{outcome}")
    if selection <= 1 or comparability == 0 or outcome <= 1:
        return POOR
    if selection >= 3:
        return GOOD
    return FAIR


# Per-domain levels for traffic-light plots, read off the same AHRQ thresholds.
def _domain_level(domain: str, stars: int) -> str:
    if domain == "selection":
        return LOW if stars >= 3 else SOME_CONCERNS if stars == 2 else HIGH
    if domain == "comparability":
        return LOW if stars >= 1 else HIGH
    return LOW if stars >= 2 else HIGH


def _build(code: str, name: str, spec, last_domain: tuple[str, str, str]) -> Instrument:
    domains = (
        Domain("selection", "Selection", "S"),
        Domain("comparability", "Comparability", "C"),
        Domain(*last_domain),
    )
    starred = {key: {c for c, _, star in options if star} for key, _, _, options in spec}
    items = tuple(
        Item(key=key, domain=domain, label=label,
             choices=tuple((c, f"{text} {STAR}" if star else text) for c, text, star in options))
        for key, domain, label, options in spec
    )
    domain_of = {key: domain for key, domain, _, _ in spec}

    def score(answers: Mapping[str, str]) -> Assessment:
        stars = {d.key: 0 for d in domains}
        complete = {d.key: True for d in domains}
        for key, domain in domain_of.items():
            answer = answers.get(key)
            if answer in (None, ""):
                complete[domain] = False
            elif answer in starred[key]:
                stars[domain] += 1
        judgements = {d: (_domain_level(d, stars[d]) if complete[d] else None) for d in stars}
        overall = None
        if all(complete.values()):
            overall = ahrq_rating(stars["selection"], stars["comparability"], stars[domains[2].key])
        return Assessment(domains=judgements, overall=overall,
                          scores={**stars, "total": sum(stars.values())})

    return Instrument(code=code, name=name, reference=__doc__.strip().splitlines()[0],
                      domains=domains, items=items, score=score)


NOS_COHORT = _build("nos_cohort", "Newcastle–Ottawa Scale (cohort studies)", _COHORT,
                    ("outcome", "Outcome", "O"))
NOS_CASE_CONTROL = _build("nos_case_control", "Newcastle–Ottawa Scale (case-control studies)",
                          _CASE_CONTROL, ("exposure", "Exposure", "E"))
