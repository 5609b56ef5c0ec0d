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


def test_reports_sharing_a_registration_or_author_and_title_are_suggested_as_one_study(team, records, vote,
                                                                                       at_full_text, client_for):
    from django.urls import reverse

    from review.study_suggestions import Report, suggestions

    a = Report(1, 10, "Lim K", "IVIg in dermatomyositis: a randomised trial", "NCT01234567")
    b = Report(2, 11, "Other X", "Abstract", "registered as nct01234567")
    c = Report(3, 12, "Lim, K.", "IVIg in dermatomyositis: a randomised placebo-controlled trial", "")
    d = Report(4, 13, "Lim K", "Vitamin D in rickets", "")
    found = {(s.keep.pk, s.move.pk): s.why for s in suggestions([a, b, c, d])}
    assert found == {(1, 2): "both name NCT01234567", (1, 3): "same first author (Lim) and similar titles"}
    Record.objects.filter(pk__in=[records[0].pk, records[1].pk]).update(authors=["Lim K"], year=2020)
    Record.objects.filter(pk=records[1].pk).update(title=records[0].title + " (abstract)")
    for r in records[:2]:
        _include(Record.objects.get(pk=r.pk), team, vote, at_full_text)
    page = client_for(team.lead).get(reverse("review:included", args=[team.review.slug])).content.decode()
    assert "Possibly one study" in page and "Group into Lim 2020" in page
