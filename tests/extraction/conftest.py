"""Shared fixtures: a small published form, studies, and pairs of assigned extractors."""

import pytest

SCHEMA = {
    "arms": ["IVIg", "Control"],
    "timepoints": ["6 months"],
    "sections": [
        {"title": "Study", "fields": [
            {"key": "country", "label": "Country", "type": "short_text", "required": True},
            {"key": "design", "label": "Study design", "type": "single_choice",
             "choices": ["RCT", "Prospective cohort", "Retrospective cohort"]},
            {"key": "dose", "label": "Dose", "type": "decimal", "unit": "g/kg", "repeat": "arm"},
        ]},
    ],
    "outcomes": [{"key": "cr", "name": "Complete response", "type": "binary", "repeat": "arm_timepoint"}],
}

VALUES = {
    "country": "India",
    "design": "RCT",
    "dose@IVIg": "2",
    "cr.events@IVIg@6 months": "5",
    "cr.total@IVIg@6 months": "10",
}


@pytest.fixture
def form(team):
    from extraction.services.forms import form_publish

    return form_publish(review=team.review, schema=SCHEMA, actor=team.lead)


@pytest.fixture
def study(team):
    from review.models import Study

    return Study.objects.create(review=team.review, label="Lim 2020", created_by=team.lead)


@pytest.fixture
def assigned(team, form, study):
    from extraction.services.assignments import assignment_set

    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    return study


@pytest.fixture
def fill():
    """Save and submit one person's values through the services."""
    from extraction.services.extractions import (
        extraction_save,
        extraction_start,
        extraction_submit,
        parse_values,
    )

    def do(study, user, raw, *, kind="extraction", submit=True):
        extraction = extraction_start(study=study, kind=kind, user=user)
        values, errors = parse_values(extraction, raw)
        assert not errors, errors
        extraction = extraction_save(extraction=extraction, actor=user, values=values,
                                     expected_version=extraction.version)
        if submit:
            extraction = extraction_submit(extraction=extraction, actor=user, expected_version=extraction.version)
        return extraction

    return do


@pytest.fixture
def reconciled(team, assigned, fill):
    """Both extractors submitted; they disagree on the IVIg dose only (2 vs 2.5 g/kg)."""
    from extraction.models import Consensus

    fill(assigned, team.rev1, VALUES)
    fill(assigned, team.rev2, VALUES | {"country": "  India ", "dose@IVIg": "2.5"})
    return Consensus.objects.get(study=assigned, kind="extraction")


@pytest.fixture
def locked(team, reconciled):
    from extraction.services.consensus import consensus_lock
    from extraction.services.reconciliation import discrepancy_resolve

    item = reconciled.discrepancies.get()
    discrepancy_resolve(discrepancy=item, choice="a", actor=team.arbiter, reason="Table 1 says 2 g/kg",
                        expected_version=reconciled.version)
    reconciled.refresh_from_db()
    return consensus_lock(consensus=reconciled, actor=team.lead, expected_version=reconciled.version)
