"""RoB 2, the revised Cochrane risk-of-bias tool for randomised trials (individually randomised,
parallel group; effect of assignment to intervention, i.e. intention-to-treat).

The domain algorithms transcribe the decision flowcharts of the full guidance document
(Higgins, Savović, Page, Sterne, 22 August 2019); the overall rule is that of Table 3 of the
paper: low only if every domain is low, high if any domain is high, some concerns otherwise.
The paper also lets assessors judge "high" when some concerns in several domains substantially
lower confidence in the result; that judgement is the optional item ``overall.escalate``,
entered twice and reconciled like every other answer.

References
----------
Sterne JAC, Savović J, Page MJ, et al. RoB 2: a revised tool for assessing risk of bias in
randomised trials. BMJ 2019;366:l4898.
"""

from __future__ import annotations

from collections.abc import Mapping

from extraction.instruments.common import (
    HIGH,
    LOW,
    SOME_CONCERNS,
    Assessment,
    Domain,
    Instrument,
    Item,
)

Y, PY, PN, N, NI, NA = "Y", "PY", "PN", "N", "NI", "NA"
ANSWERS = (Y, PY, PN, N, NI)
CHOICES = ((Y, "Yes"), (PY, "Probably yes"), (PN, "Probably no"), (N, "No"), (NI, "No information"))
CHOICES_NA = (*CHOICES, (NA, "Not applicable"))

YES = {Y, PY}
NO = {N, PN}

DOMAINS = (
    Domain("d1", "Bias arising from the randomisation process", "D1"),
    Domain("d2", "Bias due to deviations from intended interventions", "D2"),
    Domain("d3", "Bias due to missing outcome data", "D3"),
    Domain("d4", "Bias in measurement of the outcome", "D4"),
    Domain("d5", "Bias in selection of the reported result", "D5"),
)

# (key, label, conditional?) in guidance order.
QUESTIONS = {
    "d1": [
        ("1.1", "Was the allocation sequence random?", False),
        ("1.2", "Was the allocation sequence concealed until participants were enrolled and assigned to interventions?", False),
        ("1.3", "Did baseline differences between intervention groups suggest a problem with the randomisation process?", False),
    ],
    "d2": [
        ("2.1", "Were participants aware of their assigned intervention during the trial?", False),
        ("2.2", "Were carers and people delivering the interventions aware of participants' assigned intervention during the trial?", False),
        ("2.3", "If Y/PY/NI to 2.1 or 2.2: Were there deviations from the intended intervention that arose because of the trial context?", True),
        ("2.4", "If Y/PY to 2.3: Were these deviations likely to have affected the outcome?", True),
        ("2.5", "If Y/PY/NI to 2.4: Were these deviations from intended intervention balanced between groups?", True),
        ("2.6", "Was an appropriate analysis used to estimate the effect of assignment to intervention?", False),
        ("2.7", "If N/PN/NI to 2.6: Was there potential for a substantial impact (on the result) of the failure to analyse participants in the group to which they were randomised?", True),
    ],
    "d3": [
        ("3.1", "Were data for this outcome available for all, or nearly all, participants randomised?", False),
        ("3.2", "If N/PN/NI to 3.1: Is there evidence that the result was not biased by missing outcome data?", True),
        ("3.3", "If N/PN to 3.2: Could missingness in the outcome depend on its true value?", True),
        ("3.4", "If Y/PY/NI to 3.3: Is it likely that missingness in the outcome depended on its true value?", True),
    ],
    "d4": [
        ("4.1", "Was the method of measuring the outcome inappropriate?", False),
        ("4.2", "Could measurement or ascertainment of the outcome have differed between intervention groups?", False),
        ("4.3", "If N/PN/NI to 4.1 and 4.2: Were outcome assessors aware of the intervention received by study participants?", True),
        ("4.4", "If Y/PY/NI to 4.3: Could assessment of the outcome have been influenced by knowledge of intervention received?", True),
        ("4.5", "If Y/PY/NI to 4.4: Is it likely that assessment of the outcome was influenced by knowledge of intervention received?", True),
    ],
    "d5": [
        ("5.1", "Were the data that produced this result analysed in accordance with a pre-specified analysis plan that was finalised before unblinded outcome data were available for analysis?", False),
        ("5.2", "Is the numerical result being assessed likely to have been selected, on the basis of the results, from multiple eligible outcome measurements (e.g. scales, definitions, time points) within the outcome domain?", False),
        ("5.3", "... from multiple eligible analyses of the data?", False),
    ],
}


class Incomplete(Exception):
    """A question the algorithm needs has no usable answer yet."""


# The guidance offers no "no information" answer to 3.2.
WITHOUT_NI = {"3.2"}


def allowed_answers(key: str) -> tuple[str, ...]:
    return tuple(a for a in ANSWERS if not (a == NI and key in WITHOUT_NI))


def _get(answers: Mapping[str, str], key: str) -> str:
    value = answers.get(key)
    if value not in allowed_answers(key):
        raise Incomplete(key)
    return value


def judge_d1(a: Mapping[str, str]) -> str:
    q12 = _get(a, "1.2")
    if q12 in NO:
        return HIGH
    q13 = _get(a, "1.3")
    if q12 == NI:
        return HIGH if q13 in YES else SOME_CONCERNS
    if _get(a, "1.1") in NO:
        return SOME_CONCERNS
    return SOME_CONCERNS if q13 in YES else LOW


def _d2_part1(a: Mapping[str, str]) -> str:
    if _get(a, "2.1") in NO and _get(a, "2.2") in NO:
        return LOW
    q23 = _get(a, "2.3")
    if q23 in NO:
        return LOW
    if q23 == NI:
        return SOME_CONCERNS
    if _get(a, "2.4") in NO:
        return SOME_CONCERNS
    return SOME_CONCERNS if _get(a, "2.5") in YES else HIGH


def _d2_part2(a: Mapping[str, str]) -> str:
    if _get(a, "2.6") in YES:
        return LOW
    return SOME_CONCERNS if _get(a, "2.7") in NO else HIGH


def judge_d2(a: Mapping[str, str]) -> str:
    parts = (_d2_part1(a), _d2_part2(a))
    if HIGH in parts:
        return HIGH
    return LOW if parts == (LOW, LOW) else SOME_CONCERNS


def judge_d3(a: Mapping[str, str]) -> str:
    if _get(a, "3.1") in YES:
        return LOW
    if _get(a, "3.2") in YES:
        return LOW
    if _get(a, "3.3") in NO:
        return LOW
    return SOME_CONCERNS if _get(a, "3.4") in NO else HIGH


def judge_d4(a: Mapping[str, str]) -> str:
    if _get(a, "4.1") in YES:
        return HIGH
    q42 = _get(a, "4.2")
    if q42 in YES:
        return HIGH
    # Without information on 4.2 the best reachable judgement is "some concerns".
    best = LOW if q42 in NO else SOME_CONCERNS
    if _get(a, "4.3") in NO:
        return best
    if _get(a, "4.4") in NO:
        return best
    return SOME_CONCERNS if _get(a, "4.5") in NO else HIGH


def judge_d5(a: Mapping[str, str]) -> str:
    q52, q53 = _get(a, "5.2"), _get(a, "5.3")
    if q52 in YES or q53 in YES:
        return HIGH
    if NI in (q52, q53):
        return SOME_CONCERNS
    return LOW if _get(a, "5.1") in YES else SOME_CONCERNS


JUDGES = {"d1": judge_d1, "d2": judge_d2, "d3": judge_d3, "d4": judge_d4, "d5": judge_d5}


def overall(judgements: Mapping[str, str]) -> str:
    values = list(judgements.values())
    if HIGH in values:
        return HIGH
    return LOW if all(v == LOW for v in values) else SOME_CONCERNS


def required_questions(answers: Mapping[str, str]) -> set[str]:
    """The questions the algorithm reads given the answers so far; the rest are 'not applicable'."""
    needed: set[str] = set()

    class Spy(dict):
        def get(self, key, default=None):
            needed.add(key)
            return answers.get(key, default)

    spy = Spy()
    for judge in JUDGES.values():
        try:
            judge(spy)
        except Incomplete:
            pass
    # Part 2 of domain 2 is read only after part 1 in judge_d2; read it directly too.
    for part in (_d2_part2,):
        try:
            part(spy)
        except Incomplete:
            pass
    return needed


ESCALATE = "overall.escalate"


def score(answers: Mapping[str, str]) -> Assessment:
    judgements: dict[str, str | None] = {}
    for key, judge in JUDGES.items():
        try:
            judgements[key] = judge(answers)
        except Incomplete:
            judgements[key] = None
    result = None if None in judgements.values() else overall(judgements)
    several = sum(1 for j in judgements.values() if j == SOME_CONCERNS) >= 2
    if result == SOME_CONCERNS and several and answers.get(ESCALATE) in YES:
        result = HIGH
    return Assessment(domains=judgements, overall=result)


ITEMS = tuple(
    item
    for d in DOMAINS
    for item in (
        *(Item(key=key, domain=d.key, label=f"{key} {label}",
               choices=tuple(c for c in (CHOICES_NA if conditional else CHOICES)
                             if c[0] in (*allowed_answers(key), NA)),
               required=not conditional)
          for key, label, conditional in QUESTIONS[d.key]),
        Item(key=f"{d.key}.support", domain=d.key, label=f"Support for judgement: {d.label}",
             kind="long_text", required=False),
    )
) + (
    Item(key=ESCALATE, domain="overall", choices=(CHOICES[0], CHOICES[3]), required=False,
         label="Optional: do some concerns in several domains substantially lower confidence in the result "
               "(so that the overall judgement is high)?"),
)

ROB2 = Instrument(code="rob2", name="RoB 2 (randomised trials, effect of assignment)",
                  reference="Sterne 2019 BMJ", domains=DOMAINS, items=ITEMS, score=score)
