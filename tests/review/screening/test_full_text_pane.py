"""The full text opens in the page, beside the decision, from Concord's own view."""

import pytest
from django.urls import reverse

from review.models.screening import Stage

pytestmark = pytest.mark.django_db


def test_full_text_screening_shows_the_pdf_beside_the_decision(client_for, team, records, at_full_text):
    record = at_full_text(records[0])
    pdf_url = reverse("review:fulltext_pdf", args=[team.review.slug, record.pk])
    page = client_for(team.rev1).get(reverse("review:screen", args=[team.review.slug, "full-text"])).content.decode()
    assert f'<iframe class="pdf-frame" src="{pdf_url}"' in page
    assert f'href="{pdf_url}" target="_blank" rel="noopener">open it alone</a>' in page
    assert page.index('id="vote-form"') < page.index("pdf-frame")  # the form first, for keyboard and screen readers


def test_title_abstract_screening_has_no_pdf_pane(client_for, team, records):
    page = client_for(team.rev1).get(reverse("review:screen", args=[team.review.slug, "title-abstract"])).content
    assert b"pdf-frame" not in page


def test_the_pdf_is_served_inline_and_frameable_by_concord_only(client_for, team, records, at_full_text):
    record = at_full_text(records[0])
    response = client_for(team.rev1).get(reverse("review:fulltext_pdf", args=[team.review.slug, record.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Frame-Options"] == "SAMEORIGIN" and response["Content-Security-Policy"] == "frame-ancestors 'self'"
    page = client_for(team.rev1).get(reverse("review:screen", args=[team.review.slug, "full-text"]))
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"] and page["X-Frame-Options"] == "DENY"


def test_a_full_text_conflict_shows_the_pdf(client_for, team, records, at_full_text, vote, reasons):
    from review.models import Conflict

    record = at_full_text(records[0])
    vote(record, team.rev1, "include", stage=Stage.FULL_TEXT)
    vote(record, team.rev2, "exclude", stage=Stage.FULL_TEXT, exclusion_reason=reasons[0])
    conflict = Conflict.objects.get(record=record, stage=Stage.FULL_TEXT)
    page = client_for(team.arbiter).get(reverse("review:conflict_detail", args=[team.review.slug, conflict.pk]))
    assert b"pdf-frame" in page.content


def test_extraction_of_a_study_shows_its_reports_pdf(client_for, team, records, at_full_text, vote):
    from review.models import Study

    record = at_full_text(records[0])
    study = Study.objects.create(review=team.review, label="Lim 2020", created_by=team.lead)
    record.study = study
    record.save(update_fields=["study"])
    from review.templatetags.full_text import full_text_pane

    pane = full_text_pane(team.review, study=study)
    assert pane["first"]["url"] == reverse("review:fulltext_pdf", args=[team.review.slug, record.pk])
    assert full_text_pane(team.review, study=Study.objects.create(review=team.review, label="Other 2021",
                                                                   created_by=team.lead))["first"] is None
