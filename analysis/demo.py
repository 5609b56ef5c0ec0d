"""The BCG vaccine trials (Colditz et al. 1994; metafor's ``dat.bcg``) as a worked
analysis that walks the real path: a form, two independent extractions per trial (the second
with two labelled transcription slips, settled for the published value), a RoB 1 appraisal
from the allocation method, a locked consensus, then analyses over it. The numbers that reach
the consensus are the published ones in ``fixtures/analysis/dat_bcg.csv``."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from analysis.services import analyses_run_all, analysis_create
from extraction.instruments.rob1 import ROB1
from extraction.models import Consensus, Discrepancy
from extraction.services.appraisal import appraisal_plan_set
from extraction.services.assignments import assignment_set
from extraction.services.consensus import consensus_lock
from extraction.services.extractions import (
    extraction_save,
    extraction_start,
    extraction_submit,
    parse_values,
)
from extraction.services.forms import form_publish
from extraction.services.reconciliation import discrepancy_resolve
from review.models import Study

DATA = Path(settings.BASE_DIR) / "fixtures" / "analysis" / "dat_bcg.csv"
SOURCE = (
    "Colditz GA, Brewer TF, Berkey CS, et al. Efficacy of BCG vaccine in the prevention of "
    "tuberculosis. JAMA 1994;271(9):698-702; data as in R's metafor (dat.bcg)."
)
ARMS = ["BCG", "Control"]

SCHEMA = {
    "arms": ARMS,
    "timepoints": [],
    "sections": [
        {
            "title": "Trial",
            "fields": [
                {"key": "author", "label": "Author(s)", "type": "short_text", "required": True},
                {
                    "key": "year",
                    "label": "Year of publication",
                    "type": "integer",
                    "required": True,
                },
                {
                    "key": "allocation",
                    "label": "Allocation",
                    "type": "single_choice",
                    "required": True,
                    "choices": ["random", "alternate", "systematic"],
                },
                {
                    "key": "ablat",
                    "label": "Absolute latitude of the study site",
                    "type": "decimal",
                    "unit": "degrees",
                    "required": True,
                },
            ],
        },
    ],
    "outcomes": [
        {
            "key": "tb",
            "name": "Tuberculosis",
            "type": "binary",
            "repeat": "arm",
            "help": "Cases of tuberculosis (events) among all participants (total) of the arm.",
        },
    ],
}

ANALYSES = [
    {
        "name": "BCG vaccine and tuberculosis: risk ratio",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "RR",
        "method": "REML",
        "subgroup_field": "allocation",
        "sensitivity": [
            {
                "label": "Drop trials nearer the equator than 30°",
                "kind": "exclude",
                "conditions": [{"field": "ablat", "op": "<", "value": "30"}],
            },
            {"label": "Drop influential outliers", "kind": "outliers"},
        ],
        "small_study_tests": ["egger", "begg", "harbord", "trimfill", "contours"],
    },
    {
        "name": "BCG vaccine and tuberculosis: odds ratio, fixed effect when I² = 0",
        "outcome": "tb",
        "arm1": "BCG",
        "arm2": "Control",
        "measure": "OR",
        "method": "auto",
        "test": "knha",
        "small_study_tests": ["egger", "peters"],
    },
]


def trials() -> list[dict]:
    with DATA.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def label_of(trial: dict) -> str:
    return f"{trial['author']} {trial['year']}"


def values_of(trial: dict) -> dict:
    return {
        "author": trial["author"],
        "year": trial["year"],
        "allocation": trial["alloc"],
        "ablat": trial["ablat"],
        "tb.events@BCG": trial["tpos"],
        "tb.total@BCG": str(int(trial["tpos"]) + int(trial["tneg"])),
        "tb.events@Control": trial["cpos"],
        "tb.total@Control": str(int(trial["cpos"]) + int(trial["cneg"])),
    }


# The second extractor's slips: realistic transcription errors (a transposed digit; the
# non-cases typed where the arm's total belongs) that double entry exists to catch. The
# consensus always takes the published value.
SLIPS = {
    "4": {"tb.events@Control": "284"},
    "13": {"tb.total@BCG": "16886"},
}
# The first extractor (value A) entered every trial as published.
SETTLED_BECAUSE = "Value A is the published count (Colditz et al. 1994; metafor's dat.bcg)."

# RoB 1 at domain level from what the data set records: the allocation method alone.
APPRAISAL_REASON = (
    "Colditz et al. 1994 report each trial's allocation method (random, alternate, systematic), "
    "which RoB 1 judges directly as random sequence generation; the other domains are not "
    "assessed in this demo and stay unclear."
)


def appraisal_of(trial: dict) -> dict:
    random = trial["alloc"] == "random"
    answers = {domain.key: "unclear" for domain in ROB1.domains}
    answers["random_sequence"] = "low" if random else "high"
    answers["random_sequence.support"] = f"Allocation: {trial['alloc']} (Colditz et al. 1994)."
    return answers


def _enter(study, user, raw, kind="extraction") -> None:
    extraction = extraction_start(study=study, kind=kind, user=user)
    values, errors = parse_values(extraction, raw)
    if errors:
        raise ValueError("; ".join(errors))
    extraction = extraction_save(
        extraction=extraction, actor=user, values=values, expected_version=extraction.version
    )
    extraction_submit(extraction=extraction, actor=user, expected_version=extraction.version)


def _settle_and_lock(study, kind, lead) -> None:
    consensus = Consensus.objects.get(study=study, kind=kind)
    for discrepancy in consensus.discrepancies.all():
        discrepancy_resolve(
            discrepancy=discrepancy, choice=Discrepancy.A, actor=lead, expected_version=None,
            reason=SETTLED_BECAUSE,
        )
    consensus.refresh_from_db()
    consensus_lock(consensus=consensus, actor=lead, expected_version=consensus.version)


def _appraise(study, trial, lead, appraisers) -> None:
    design = "rct" if trial["alloc"] == "random" else "other"
    appraisal_plan_set(study=study, design=design, instrument="rob1", reason=APPRAISAL_REASON, actor=lead,
                       expected_version=None)
    assignment_set(study=study, kind="appraisal", users=list(appraisers), actor=lead, expected_version=None)
    for user in appraisers:
        _enter(study, user, appraisal_of(trial), kind="appraisal")
    _settle_and_lock(study, "appraisal", lead)


NEEDS_TWO_REVIEWERS = "The BCG demo needs two members with the reviewer role to extract the trials."


def _two_reviewers(review) -> list:
    memberships = review.memberships.filter(removed_at__isnull=True, is_reviewer=True)
    users = [m.user for m in memberships.select_related("user").order_by("user__username")[:2]]
    if len(users) < 2:
        raise ValueError(NEEDS_TWO_REVIEWERS)
    return users


@transaction.atomic
def load(*, review, lead, extractors=None, leave_open: str | None = None) -> list:
    """Enter the 13 trials as locked consensus of ``review`` and define and run its analyses.

    ``extractors`` are two members with the reviewer role (by default the first two by
    username); both extract and appraise every trial. The second makes the slips in
    ``SLIPS``; the lead settles each for the published value and locks. The trial numbered
    ``leave_open`` keeps its discrepancy open and its extraction unlocked, for a visitor to
    reconcile: until then the analyses leave it out and say why. The review must not have an
    extraction form in use yet: the trials' form becomes its current form.
    """
    extractors = list(extractors) if extractors else _two_reviewers(review)
    form_publish(review=review, schema=SCHEMA, actor=lead)
    for trial in trials():
        study = Study.objects.create(
            review=review,
            label=label_of(trial),
            created_by=lead,
            notes=f"Trial {trial['trial']} of {SOURCE}",
        )
        assignment_set(study=study, kind="extraction", users=list(extractors), actor=lead, expected_version=None)
        first, second = extractors
        _enter(study, first, values_of(trial))
        _enter(study, second, {**values_of(trial), **SLIPS.get(trial["trial"], {})})
        if trial["trial"] != leave_open:
            _settle_and_lock(study, "extraction", lead)
        _appraise(study, trial, lead, extractors)
    for spec in ANALYSES:
        analysis_create(review=review, actor=lead, values=spec)
    return analyses_run_all(review=review, actor=lead)
