"""Service transitions: forms and versions, assignment, independent extraction, reconciliation,
lock and unlock, each audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from extraction.models import Consensus, Extraction, FormVersion
from extraction.services import assignments, consensus, extractions, forms, reconciliation
from extraction.services.common import STALE_EDIT
from review.models import AuditEvent, Study

from .conftest import SCHEMA, VALUES

pytestmark = pytest.mark.django_db


def _actions(review):
    return list(AuditEvent.objects.filter(review=review).order_by("id").values_list("action", flat=True))


def test_editing_an_unused_form_changes_it_in_place(team, form):
    schema = SCHEMA | {"timepoints": ["6 months", "End of follow-up"]}
    again = forms.form_publish(review=team.review, schema=schema, actor=team.lead, expected_number=1)
    assert again.pk == form.pk and again.number == 1
    assert "extraction_form.changed" in _actions(team.review)


def test_changing_a_form_in_use_makes_a_new_version_and_keeps_the_old(team, assigned, fill):
    started = fill(assigned, team.rev1, VALUES, submit=False)
    schema = {**SCHEMA, "sections": [{**SCHEMA["sections"][0], "fields": SCHEMA["sections"][0]["fields"][:2]}]}
    new = forms.form_publish(review=team.review, schema=schema, actor=team.lead, expected_number=1)
    assert new.number == 2
    started.refresh_from_db()
    assert started.form_version.number == 1
    assert started.data["dose@IVIg"] == "2"
    assert FormVersion.objects.get(review=team.review, number=1).schema["sections"][0]["fields"][2]["key"] == "dose"


def test_stale_form_publish_is_refused(team, form):
    with pytest.raises(ValidationError) as exc:
        forms.form_publish(review=team.review, schema=SCHEMA | {"arms": ["A", "B"]}, actor=team.lead,
                           expected_number=0)
    assert exc.value.messages == [STALE_EDIT]


def test_only_the_lead_publishes_the_form(team):
    with pytest.raises(PermissionDenied):
        forms.form_publish(review=team.review, schema=SCHEMA, actor=team.rev1)


def test_invalid_form_lists_its_problems(team):
    with pytest.raises(ValidationError) as exc:
        forms.form_publish(review=team.review, actor=team.lead, schema={"sections": [
            {"title": "S", "fields": [{"key": "Bad key", "type": "single_choice", "choices": ["x"]}]}]})
    assert len(exc.value.messages) == 2


def test_balanced_assignment_spreads_studies_evenly(team, form):
    from review.models import Membership
    from review.services.reviews import member_set_roles

    member_set_roles(membership=Membership.objects.get(user=team.arbiter), roles=["arbiter", "reviewer"],
                     actor=team.lead, expected_version=None)
    for i in range(3):
        Study.objects.create(review=team.review, label=f"Study {i}")
    assert assignments.assignments_balance(review=team.review, kind="extraction", actor=team.lead) == 3
    from collections import Counter

    from extraction.models import Assignment

    load = Counter(Assignment.objects.filter(kind="extraction").values_list("user__username", flat=True))
    assert sorted(load.values()) == [2, 2, 2]
    assert assignments.assignments_balance(review=team.review, kind="appraisal", actor=team.lead) == 3


def test_assignment_needs_two_different_reviewers(team, study):
    with pytest.raises(ValidationError):
        assignments.assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev1], actor=team.lead, expected_version=None)
    with pytest.raises(ValidationError):
        assignments.assignment_set(study=study, kind="extraction", users=[team.rev1, team.arbiter],
                                   actor=team.lead, expected_version=None)


def test_unassigned_person_cannot_start(team, assigned):
    with pytest.raises(PermissionDenied):
        extractions.extraction_start(study=assigned, kind="extraction", user=team.arbiter)


def test_required_fields_block_submission(team, assigned, fill):
    extraction = fill(assigned, team.rev1, {"design": "RCT"}, submit=False)
    with pytest.raises(ValidationError) as exc:
        extractions.extraction_submit(extraction=extraction, actor=team.rev1, expected_version=extraction.version)
    assert exc.value.messages == ["Required before submitting: Country."]


def test_stale_draft_save_is_refused(team, assigned, fill):
    extraction = fill(assigned, team.rev1, VALUES, submit=False)
    with pytest.raises(ValidationError) as exc:
        extractions.extraction_save(extraction=extraction, actor=team.rev1, values={}, expected_version=1)
    assert exc.value.messages == [STALE_EDIT]


def test_bad_values_are_named(team, assigned):
    extraction = extractions.extraction_start(study=assigned, kind="extraction", user=team.rev1)
    _, errors = extractions.parse_values(extraction, {"dose@IVIg": "two", "design": "Case series"})
    assert errors == ["Study design: 'Case series' is not one of the choices.",
                      "Dose [IVIg]: enter a number (use a dot for decimals)."] or len(errors) == 2


def test_one_submission_opens_no_consensus(team, assigned, fill):
    fill(assigned, team.rev1, VALUES)
    assert not Consensus.objects.exists()


def test_second_submission_compares_every_cell(team, reconciled):
    # Numbers by value, text after whitespace normalisation: only the dose differs.
    assert list(reconciled.discrepancies.values_list("key", "value_a", "value_b")) == [("dose@IVIg", "2", "2.5")]
    assert reconciled.data["country"] == "India"
    assert "country" in reconciled.agreed_keys


def test_submitted_extraction_cannot_change(team, reconciled):
    extraction = Extraction.objects.get(user=team.rev1)
    with pytest.raises(ValidationError):
        extractions.extraction_save(extraction=extraction, actor=team.rev1, values={}, expected_version=None)


def test_resolution_needs_a_reason_and_a_resolver(team, reconciled):
    item = reconciled.discrepancies.get()
    with pytest.raises(ValidationError):
        reconciliation.discrepancy_resolve(discrepancy=item, choice="a", actor=team.arbiter, reason=" ",
                                           expected_version=None)
    with pytest.raises(PermissionDenied):
        reconciliation.discrepancy_resolve(discrepancy=item, choice="a", actor=team.rev1, reason="x",
                                           expected_version=None)


def test_new_value_resolution_is_typed_and_audited(team, reconciled):
    item = reconciled.discrepancies.get()
    reconciliation.discrepancy_resolve(discrepancy=item, choice="new", value="2.0", actor=team.arbiter,
                                       reason="Methods section", expected_version=reconciled.version)
    reconciled.refresh_from_db()
    assert reconciled.data["dose@IVIg"] == "2"
    event = AuditEvent.objects.filter(action="extraction.discrepancy_resolved").get()
    assert event.old_value == {"choice": None, "value": None}
    assert event.new_value == {"key": "dose@IVIg", "choice": "new", "value": "2"}
    assert event.reason == "Methods section"


def test_lock_refused_while_discrepancies_remain(team, reconciled):
    with pytest.raises(ValidationError) as exc:
        consensus.consensus_lock(consensus=reconciled, actor=team.lead, expected_version=reconciled.version)
    assert exc.value.messages == ["1 discrepancy still to settle before the consensus can be locked."]


def test_lock_and_unlock_are_audited_with_values(team, locked):
    assert locked.is_locked and len(locked.fingerprint) == 64
    unlocked = consensus.consensus_unlock(consensus=locked, actor=team.lead, reason="Erratum published",
                                          expected_version=locked.version)
    assert unlocked.status == "open"
    events = {e.action: e for e in AuditEvent.objects.filter(action__startswith="extraction.consensus_")}
    assert events["extraction.consensus_locked"].new_value["data"]["dose@IVIg"] == "2"
    assert events["extraction.consensus_unlocked"].old_value["status"] == "locked"
    assert events["extraction.consensus_unlocked"].reason == "Erratum published"


def test_unlock_needs_lead_and_reason(team, locked):
    with pytest.raises(PermissionDenied):
        consensus.consensus_unlock(consensus=locked, actor=team.arbiter, reason="x", expected_version=None)
    with pytest.raises(ValidationError):
        consensus.consensus_unlock(consensus=locked, actor=team.lead, reason="", expected_version=None)


def test_stale_lock_is_refused(team, reconciled):
    item = reconciled.discrepancies.get()
    stale = reconciled.version
    reconciliation.discrepancy_resolve(discrepancy=item, choice="b", actor=team.arbiter, reason="r",
                                       expected_version=stale)
    with pytest.raises(ValidationError) as exc:
        consensus.consensus_lock(consensus=reconciled, actor=team.lead, expected_version=stale)
    assert exc.value.messages == [STALE_EDIT]


def test_locked_consensus_selector_reads_only_locked(team, locked):
    from extraction.selectors import locked_consensus

    data = locked_consensus(team.review)
    assert [s.label for s in data.studies] == ["Lim 2020"]
    assert data.studies[0].data["cr.events@IVIg@6 months"] == 5
    consensus.consensus_unlock(consensus=locked, actor=team.lead, reason="r", expected_version=locked.version)
    assert locked_consensus(team.review).studies == []


def test_second_extractor_works_on_the_first_ones_form_version(team, assigned, fill):
    fill(assigned, team.rev1, VALUES, submit=False)
    forms.form_publish(review=team.review, schema=SCHEMA | {"arms": ["IVIg", "Placebo"]}, actor=team.lead)
    second = extractions.extraction_start(study=assigned, kind="extraction", user=team.rev2)
    assert second.form_version.number == 1


def test_instrument_cannot_change_once_appraisal_started(team, assigned, fill):
    from extraction.services.appraisal import APPRAISAL_STARTED, appraisal_plan_set

    appraisal_plan_set(study=assigned, design="rct", actor=team.lead, expected_version=None)
    assignments.assignment_set(study=assigned, kind="appraisal", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    extractions.extraction_start(study=assigned, kind="appraisal", user=team.rev1)
    with pytest.raises(ValidationError) as exc:
        appraisal_plan_set(study=assigned, design="cohort", actor=team.lead, expected_version=None)
    assert exc.value.messages == [APPRAISAL_STARTED]


def test_incomplete_rob2_cannot_be_submitted(team, assigned, fill):
    from extraction.services.appraisal import appraisal_plan_set

    appraisal_plan_set(study=assigned, design="rct", actor=team.lead, expected_version=None)
    assignments.assignment_set(study=assigned, kind="appraisal", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    draft = fill(assigned, team.rev1, {"1.1": "Y", "1.2": "Y", "1.3": "N"}, kind="appraisal", submit=False)
    with pytest.raises(ValidationError) as exc:
        extractions.extraction_submit(extraction=draft, actor=team.rev1, expected_version=draft.version)
    assert exc.value.messages == [
        "Answer every question the algorithm needs before submitting: d2, d3, d4, d5."]


def test_reassigning_someone_who_started_is_refused(team, assigned, fill):
    fill(assigned, team.rev1, VALUES, submit=False)
    from review.models import Membership
    from review.services.reviews import member_set_roles

    member_set_roles(membership=Membership.objects.get(user=team.arbiter), roles=["arbiter", "reviewer"],
                     actor=team.lead, expected_version=None)
    with pytest.raises(ValidationError) as exc:
        assignments.assignment_set(study=assigned, kind="extraction", users=[team.arbiter, team.rev2],
                                   actor=team.lead, expected_version=None)
    assert exc.value.messages == ["rui_reviewer has already started on this study; their work stays assigned to them."]


def test_included_studies_follow_full_text_screening(team):
    from extraction.selectors import included_studies
    from review.models import Record, Study
    from review.models.screening import RecordStage, Stage, StageStatus
    from review.services.imports import import_records
    from review.services.sources import source_create

    source = source_create(review=team.review, actor=team.lead, name="PubMed")
    data = b"TY  - JOUR\nTI  - First trial\nER  - \n\nTY  - JOUR\nTI  - Second trial\nER  - \n"
    import_records(review=team.review, source=source, filename="two.ris", data=data, actor=team.lead)
    first, second = Record.objects.filter(review=team.review).order_by("position")
    by_hand = Study.objects.create(review=team.review, label="Authors' data 2021")
    screened = Study.objects.create(review=team.review, label="Trial 2020")
    excluded = Study.objects.create(review=team.review, label="Trial 2019")
    Record.objects.filter(pk=first.pk).update(study=screened)
    Record.objects.filter(pk=second.pk).update(study=excluded)
    RecordStage.objects.create(review=team.review, record=first, stage=Stage.FULL_TEXT, status=StageStatus.INCLUDED)
    RecordStage.objects.create(review=team.review, record=second, stage=Stage.FULL_TEXT,
                               status=StageStatus.EXCLUDED, exclusion_reason=team.review.exclusion_reasons.first())
    assert set(included_studies(team.review)) == {by_hand, screened}
