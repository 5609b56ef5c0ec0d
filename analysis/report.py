"""What the review report shows besides the analyses: a characteristics table and a
risk-of-bias summary, both read from locked consensus only (like every number here)."""

from __future__ import annotations

from dataclasses import dataclass

from extraction.formspec import display
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS
from extraction.models import FormVersion
from extraction.selectors import LockedData


@dataclass
class Table:
    columns: list[str]
    rows: list[tuple[str, list[str]]]


def characteristics(review, locked: LockedData) -> Table:
    """One row per locked study, one column per study-level field of its form (Table 1)."""
    studies = locked.for_kind("extraction")
    numbers = {s.form_version for s in studies if s.form_version is not None}
    versions = FormVersion.objects.filter(review=review, number__in=numbers).order_by("number")
    keys: dict[str, str] = {}
    for version in versions:
        for section in version.schema["sections"]:
            for field in section["fields"]:
                if field.get("repeat", "none") == "none":
                    keys.setdefault(field["key"], field["label"])
    return Table(
        columns=list(keys.values()),
        rows=[(s.label, [display(s.data.get(k)) for k in keys]) for s in studies],
    )


STAR = "★"


def stars(count: int) -> str:
    return STAR * count if count else "0"


def risk_of_bias(locked: LockedData) -> list[dict]:
    """Per instrument, per study: the domain judgements and the overall judgement of the
    locked appraisal consensus, scored by the instrument's own algorithm.

    Newcastle–Ottawa is reported as it is scored, in stars: each domain's stars (of 4, 2 and
    3), the total of 9, and the overall as the AHRQ conversion (good, fair, poor) of
    ``extraction.instruments.nos.ahrq_rating``. Its per-domain low/high levels exist only to
    colour traffic-light plots; a referee reading "Low" for a NOS domain would take it for a
    RoB judgement, so the table shows the stars, coloured by that level.
    """
    by_instrument: dict[str, dict] = {}
    for s in locked.for_kind("appraisal"):
        instrument = INSTRUMENTS.get(s.instrument)
        if instrument is None:
            continue
        block = by_instrument.setdefault(
            s.instrument,
            {
                "name": instrument.name,
                "domains": [d.short or d.label for d in instrument.domains],
                "rows": [],
                "stars": s.instrument in STARRED,
            },
        )
        assessment = instrument.score(s.data)
        judgements = [assessment.domains.get(d.key) for d in instrument.domains]
        if block["stars"]:
            shown = [
                (j or "", f"{stars(assessment.scores[d.key])} ({assessment.scores[d.key]}/{STAR_MAX[d.key]})"
                 if j else "—")
                for d, j in zip(instrument.domains, judgements, strict=True)
            ]
        else:
            shown = [(j or "", JUDGEMENT_LABELS.get(j, "—") if j else "—") for j in judgements]
        overall = JUDGEMENT_LABELS.get(assessment.overall, "—")
        if block["stars"] and assessment.overall:
            overall = f"{overall} (AHRQ), {assessment.scores['total']}/9 {STAR}"
        block["rows"].append(
            {"label": s.label, "judgements": shown, "overall": (assessment.overall or "", overall)}
        )
    for block in by_instrument.values():
        if block["stars"]:
            block["note"] = AHRQ_NOTE
    return list(by_instrument.values())


STARRED = ("nos_cohort", "nos_case_control")
# Most stars a domain can earn: selection 4, comparability 2, outcome or exposure 3.
STAR_MAX = {"selection": 4, "comparability": 2, "outcome": 3, "exposure": 3}
AHRQ_NOTE = (
    "Stars per domain (selection of 4, comparability of 2, outcome or exposure of 3). Overall: "
    "AHRQ conversion: good = 3–4 stars in selection and 1–2 in comparability and 2–3 in "
    "outcome/exposure; fair = 2 in selection and 1–2 in comparability and 2–3 in "
    "outcome/exposure; poor = 0–1 in selection or 0 in comparability or 0–1 in outcome/exposure."
)
