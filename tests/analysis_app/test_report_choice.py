"""The lead chooses which analyses the printable report shows and in what order."""

import pytest
from django.urls import reverse

from analysis.models import Analysis
from analysis.services import analysis_run
from review.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(name, review, *args):
    return reverse(f"analysis:{name}", args=[review.slug, *args])


@pytest.fixture
def four(team, bcg):
    """The two demo analyses (both pool), one whose run found no data, one never run."""
    empty = Analysis.objects.create(
        review=team.review,
        name="Empty",
        outcome="tb",
        arm1="BCG",
        measure="PLO",
        timepoint="1 year",
        position=3,
        created_by=team.lead,
    )
    analysis_run(analysis=empty)
    unrun = Analysis.objects.create(
        review=team.review,
        name="Never run",
        outcome="tb",
        arm1="BCG",
        measure="PLO",
        position=4,
        created_by=team.lead,
    )
    rr = team.review.analyses.get(measure="RR")
    odds = team.review.analyses.get(measure="OR")
    return rr, odds, empty, unrun


def _sections(html: str, names) -> list[str]:
    """The names whose report section is present, in page order."""
    found = [(html.find(f"<h2>{n}</h2>"), n) for n in names]
    return [n for at, n in sorted(found) if at >= 0]


def test_until_the_lead_chooses_a_failed_or_unrun_analysis_is_left_out(team, four, client_for):
    rr, odds, empty, unrun = four
    html = client_for(team.rev1).get(url("report", team.review)).content.decode()
    assert _sections(html, [a.name for a in four]) == [rr.name, odds.name]
    assert html.count('class="report-section analysis-section"') == 2
    assert (
        "Not in this report: Empty (its run pooled nothing (No locked study has time point" in html
    )
    assert "Never run (not run yet)" in html


def test_the_lead_chooses_and_orders_the_reports_analyses(team, four, client_for):
    rr, odds, empty, unrun = four
    client = client_for(team.lead)
    listing = client.get(url("list", team.review)).content.decode()
    assert f'name="in_report_{rr.pk}" id="in_report_{rr.pk}" checked' in listing
    assert f'name="in_report_{empty.pk}" id="in_report_{empty.pk}" aria-label' in listing
    response = client.post(
        url("report_arrange", team.review),
        {
            f"in_report_{empty.pk}": "on",
            f"order_{empty.pk}": "1",
            f"in_report_{rr.pk}": "on",
            f"order_{rr.pk}": "2",
            f"order_{odds.pk}": "3",
            f"order_{unrun.pk}": "4",
        },
    )
    assert response.status_code == 302
    html = client.get(url("report", team.review)).content.decode()
    # The empty analysis is in because it was chosen, and it says why it has no numbers.
    assert _sections(html, [a.name for a in four]) == [empty.name, rr.name]
    assert html.find(f'<th scope="row">{empty.name}') < html.find(f'<th scope="row">{rr.name}')
    assert "No locked study has time point &#x27;1 year&#x27; for outcome &#x27;tb&#x27;" in html
    assert f"{odds.name} (left out by the lead)" in html
    event = AuditEvent.objects.filter(action="analysis.report_arranged").get()
    assert event.new_value[str(empty.pk)] == [True, 1] and event.new_value[str(odds.pk)] == [
        False,
        3,
    ]


def test_an_analysis_missing_from_the_submitted_page_keeps_its_choice(team, four, client_for):
    rr, odds, empty, unrun = four
    client_for(team.lead).post(
        url("report_arrange", team.review), {f"order_{rr.pk}": "1", f"in_report_{rr.pk}": "on"}
    )
    assert Analysis.objects.get(pk=rr.pk).in_report is True
    assert Analysis.objects.get(pk=empty.pk).in_report is None


def test_arranging_is_the_leads_and_a_bad_order_is_refused(team, four, client_for):
    rr = four[0]
    data = {f"order_{rr.pk}": "1"}
    assert client_for(team.rev1).post(url("report_arrange", team.review), data).status_code == 403
    assert (
        client_for(team.outsider).post(url("report_arrange", team.review), data).status_code == 404
    )
    assert client_for(team.lead).get(url("report_arrange", team.review)).status_code == 405
    client = client_for(team.lead)
    response = client.post(
        url("report_arrange", team.review), {f"order_{rr.pk}": "first"}, follow=True
    )
    assert f"The order of {rr.name} must be a whole number from 1." in response.content.decode()
    assert Analysis.objects.get(pk=rr.pk).in_report is None
