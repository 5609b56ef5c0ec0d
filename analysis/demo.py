"""The BCG vaccine trials (Colditz et al. 1994; metafor's ``dat.bcg``) as a worked
analysis that walks the real path: a form, two independent extractions per trial, a locked
consensus, then analyses over it. The numbers are the published ones in
``fixtures/analysis/dat_bcg.csv``; nothing is invented."""

from __future__ import annotations

import csv
from pathlib import Path

from django.conf import settings
from django.db import transaction

from analysis.services import analyses_run_all, analysis_create
from extraction.models import Consensus
from extraction.services.assignments import assignment_set
from extraction.services.consensus import consensus_lock
from extraction.services.extractions import (
    extraction_save,
    extraction_start,
    extraction_submit,
    parse_values,
)
from extraction.services.forms import form_publish
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
        "small_study_tests": ["egger", "begg", "harbord", "trimfill"],
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


def _enter(study, user, raw) -> None:
    extraction = extraction_start(study=study, kind="extraction", user=user)
    values, errors = parse_values(extraction, raw)
    if errors:
        raise ValueError("; ".join(errors))
    extraction = extraction_save(
        extraction=extraction, actor=user, values=values, expected_version=extraction.version
    )
    extraction_submit(extraction=extraction, actor=user, expected_version=extraction.version)


NEEDS_TWO_REVIEWERS = "The BCG demo needs two members with the reviewer role to extract the trials."


def _two_reviewers(review) -> list:
    memberships = review.memberships.filter(removed_at__isnull=True, is_reviewer=True)
    users = [m.user for m in memberships.select_related("user").order_by("user__username")[:2]]
    if len(users) < 2:
        raise ValueError(NEEDS_TWO_REVIEWERS)
    return users


@transaction.atomic
def load(*, review, lead, extractors=None) -> list:
    """Enter the 13 trials as locked consensus of ``review`` and define and run its analyses.

    ``extractors`` are two members with the reviewer role (by default the first two by
    username); both enter every trial (the same published numbers, so no discrepancy
    opens) and the lead locks each consensus. The review must not have an extraction form
    in use yet: the trials' form becomes its current form.
    """
    extractors = list(extractors) if extractors else _two_reviewers(review)
    form_publish(review=review, schema=SCHEMA, actor=lead)
    for trial in trials():
        study = Study.objects.create(
            review=review,
            label=f"{trial['author']} {trial['year']}",
            created_by=lead,
            notes=f"Trial {trial['trial']} of {SOURCE}",
        )
        assignment_set(study=study, kind="extraction", users=list(extractors), actor=lead)
        for user in extractors:
            _enter(study, user, values_of(trial))
        consensus = Consensus.objects.get(study=study, kind="extraction")
        consensus_lock(consensus=consensus, actor=lead, expected_version=consensus.version)
    for spec in ANALYSES:
        analysis_create(review=review, actor=lead, values=spec)
    return analyses_run_all(review=review, actor=lead)
