"""Each report included at full text becomes a study of its own, labelled "First-author Year";
grouping reports removes the default study left empty, never one that holds work."""

import pytest

from review.models import AuditEvent, Record, Study
from review.models.screening import Stage
from review.screening.services import study_link

pytestmark = pytest.mark.django_db


def _include(record, team, vote, at_full_text):
    at_full_text(record)
    vote(record, team.rev1, "include", stage=Stage.FULL_TEXT)
    vote(record, team.rev2, "include", stage=Stage.FULL_TEXT)
    record.refresh_from_db()
    return record


def test_an_included_report_gets_its_own_study_with_particles_kept(team, records, vote, at_full_text):
    Record.objects.filter(pk=records[0].pk).update(authors=["de Souza, Ana B.", "Lim, K."], year=2019)
    record = _include(Record.objects.get(pk=records[0].pk), team, vote, at_full_text)
    assert record.study.label == "de Souza 2019" and record.study.automatic
    assert AuditEvent.objects.filter(action="study.created", new_value__automatic=True).count() == 1


def test_two_reports_of_one_author_and_year_get_distinct_labels(team, records, vote, at_full_text):
    Record.objects.filter(pk__in=[records[0].pk, records[1].pk]).update(authors=["Lim K"], year=2020)
    first = _include(Record.objects.get(pk=records[0].pk), team, vote, at_full_text)
    second = _include(Record.objects.get(pk=records[1].pk), team, vote, at_full_text)
    assert (first.study.label, second.study.label) == ("Lim 2020", "Lim 2020b")


def test_grouping_a_report_removes_its_empty_default_study(team, records, vote, at_full_text):
    first = _include(records[0], team, vote, at_full_text)
    second = _include(records[1], team, vote, at_full_text)
    left = second.study_id
    study_link(record=second, actor=team.lead, study=first.study, expected_version=left)
    assert not Study.objects.filter(pk=left).exists()
    assert AuditEvent.objects.filter(action="study.removed").count() == 1
    assert list(Record.objects.filter(study=first.study).order_by("pk")) == [first, second]


def test_a_default_study_with_work_stays_when_its_report_moves(team, records, vote, at_full_text):
    from extraction.services.assignments import assignment_set

    first = _include(records[0], team, vote, at_full_text)
    second = _include(records[1], team, vote, at_full_text)
    assignment_set(study=second.study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead,
                   expected_version=None)
    kept = second.study_id
    study_link(record=second, actor=team.lead, study=first.study, expected_version=kept)
    assert Study.objects.filter(pk=kept).exists()
