"""The BCG trials (metafor's dat.bcg) loaded into the team's review through extraction."""

import json
from pathlib import Path

import pytest

REFERENCE = json.loads(
    (
        Path(__file__).resolve().parents[2] / "fixtures" / "analysis" / "bcg_reference.json"
    ).read_text()
)


@pytest.fixture
def bcg(team):
    """13 locked trials and the two demo analyses, each run once."""
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    return team.review.analyses.get(measure="RR")


CONTINUOUS_FORM = {
    "arms": ["IVIg", "Control"],
    "timepoints": ["6 months"],
    "sections": [
        {
            "title": "Study",
            "fields": [
                {
                    "key": "publication_type",
                    "label": "Publication type",
                    "type": "single_choice",
                    "choices": ["Full text", "Conference abstract"],
                },
                {
                    "key": "route",
                    "label": "Route",
                    "type": "single_choice",
                    "choices": ["IV", "SC"],
                },
            ],
        }
    ],
    "outcomes": [
        {"key": "mmt8", "name": "MMT-8", "type": "continuous", "repeat": "arm_timepoint"},
        {"key": "cr", "name": "Complete response", "type": "binary", "repeat": "arm_timepoint"},
        {"key": "cpk", "name": "CPK change", "type": "change", "repeat": "arm"},
    ],
}


@pytest.fixture
def lock_study(team):
    """Enter the same values by both reviewers and lock the consensus; returns the Consensus.

    The values are test inputs, not study data; nothing here is shown as a real study.
    """
    from extraction.models import Consensus
    from extraction.services.assignments import assignment_set
    from extraction.services.consensus import consensus_lock
    from extraction.services.extractions import (
        extraction_save,
        extraction_start,
        extraction_submit,
        parse_values,
    )
    from review.models import Study

    def do(label, raw, *, lock=True):
        study = Study.objects.create(review=team.review, label=label, created_by=team.lead)
        assignment_set(
            study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None
        )
        for user in (team.rev1, team.rev2):
            extraction = extraction_start(study=study, kind="extraction", user=user)
            values, errors = parse_values(extraction, raw)
            assert not errors, errors
            extraction = extraction_save(
                extraction=extraction,
                actor=user,
                values=values,
                expected_version=extraction.version,
            )
            extraction_submit(
                extraction=extraction, actor=user, expected_version=extraction.version
            )
        consensus = Consensus.objects.get(study=study, kind="extraction")
        if lock:
            consensus = consensus_lock(
                consensus=consensus, actor=team.lead, expected_version=consensus.version
            )
        return consensus

    return do


@pytest.fixture
def continuous(team):
    from extraction.services.forms import form_publish

    return form_publish(review=team.review, schema=CONTINUOUS_FORM, actor=team.lead)
