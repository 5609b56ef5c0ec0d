"""Extraction pages: happy paths, outsiders (404), wrong role (403), wrong method (405)."""

import pytest
from django.urls import reverse

from extraction.models import Consensus, Extraction, FormVersion
from extraction.models.consensus import LOCKED
from extraction.services.assignments import assignment_token
from review.models import AuditEvent

from .conftest import SCHEMA, VALUES

pytestmark = pytest.mark.django_db


def url(view, team, **kwargs):
    return reverse(f"extraction:{view}", kwargs={"slug": team.review.slug, **kwargs})


def _cells(values):
    return {f"cell:{k}": v for k, v in values.items()}


def test_overview_lists_studies_and_my_work(client_for, team, assigned):
    response = client_for(team.rev1).get(url("overview", team))
    assert response.status_code == 200
    assert "Extract Lim 2020" in response.content.decode()


def test_overview_for_another_review_is_404(client_for, team, assigned, make_user):
    from review.services.reviews import review_create

    other = review_create(title="Other", slug="other", lead=make_user("olga"))
    assert client_for(other.created_by).get(url("overview", team)).status_code == 404


def test_form_builder_is_for_the_lead(client_for, team):
    assert client_for(team.rev1).get(url("form", team)).status_code == 403
    assert client_for(team.lead).get(url("form", team)).status_code == 200


def test_form_builder_adds_a_field_and_loads_the_template(client_for, team):
    client = client_for(team.lead)
    client.post(url("form", team), {"op": "template", "number": 0})
    assert FormVersion.objects.get(review=team.review).schema["outcomes"][0]["key"] == "complete_response"
    client.post(url("form", team), {"op": "field", "number": 1, "section": "Extra", "key": "funding",
                                    "label": "Funding", "type": "short_text", "repeat": "none"})
    schema = FormVersion.objects.get(review=team.review).schema
    assert schema["sections"][-1]["fields"][0]["key"] == "funding"
    response = client.post(url("form", team), {"op": "remove", "number": 0, "key": "funding"}, follow=True)
    assert "Someone changed this since you opened the page" in response.content.decode()


def test_assignment_page_assigns_and_balances(client_for, team, form, study):
    client = client_for(team.lead)
    response = client.post(url("assignments", team), {"study": study.pk, "kind": "extraction",
                                                      "user_a": team.rev1.pk, "user_b": team.rev2.pk,
                                                      "version": assignment_token([])}, follow=True)
    assert "Lim 2020: data extraction assigned." in response.content.decode()
    response = client.post(url("balance", team), {"kind": "appraisal"}, follow=True)
    assert "1 study assigned for quality appraisal." in response.content.decode()
    assert client_for(team.rev1).post(url("balance", team), {"kind": "appraisal"}).status_code == 403
    assert client.get(url("balance", team)).status_code == 405


def test_plan_sets_the_instrument_and_override_needs_a_reason(client_for, team, study):
    client = client_for(team.lead)
    client.post(url("plan", team, pk=study.pk), {"design": "rct", "version": 0})
    assert study.appraisal_plan.instrument == "rob2"
    response = client.post(url("plan", team, pk=study.pk), {"design": "rct", "instrument": "rob1", "version": 1},
                           follow=True)
    assert "Give a reason for using another instrument" in response.content.decode()
    client.post(url("plan", team, pk=study.pk), {"design": "rct", "instrument": "rob1", "reason": "RoB 1 protocol",
                                                 "version": 1})
    study.appraisal_plan.refresh_from_db()
    assert study.appraisal_plan.instrument == "rob1" and study.appraisal_plan.overridden


def test_extractor_saves_then_submits(client_for, team, assigned):
    client = client_for(team.rev1)
    page = client.get(url("extract", team, pk=assigned.pk))
    assert page.status_code == 200
    extraction = Extraction.objects.get(user=team.rev1)
    response = client.post(url("extract", team, pk=assigned.pk), {"version": extraction.version, **_cells(VALUES)})
    assert response.status_code == 302
    extraction.refresh_from_db()
    assert extraction.data["dose@IVIg"] == "2"
    client.post(url("extract", team, pk=assigned.pk),
                {"version": extraction.version, "submit": "1", **_cells(VALUES)})
    extraction.refresh_from_db()
    assert extraction.status == "submitted"


def test_bad_value_is_shown_and_nothing_saved(client_for, team, assigned):
    client = client_for(team.rev1)
    client.get(url("extract", team, pk=assigned.pk))
    response = client.post(url("extract", team, pk=assigned.pk), {"version": 1, "cell:dose@IVIg": "lots"})
    assert response.status_code == 400
    assert "Dose [IVIg]: enter a number" in response.content.decode()
    assert Extraction.objects.get(user=team.rev1).data == {}


def test_unassigned_member_cannot_extract(client_for, team, assigned):
    assert client_for(team.arbiter).get(url("extract", team, pk=assigned.pk)).status_code == 403
    assert not Extraction.objects.filter(user=team.arbiter).exists()


def test_extraction_page_shows_form_changes_since_its_version(client_for, team, assigned, fill):
    from extraction.services.forms import form_publish

    fill(assigned, team.rev1, VALUES, submit=False)
    form_publish(review=team.review, schema=SCHEMA | {"timepoints": ["6 months", "End"]}, actor=team.lead)
    page = client_for(team.rev1).get(url("extract", team, pk=assigned.pk)).content.decode()
    assert "The form is now at version 2; this extraction keeps version 1." in page
    assert "Complete response: Events [IVIg] [End]" in page


def test_reconciliation_page_is_for_resolvers_and_the_pair(client_for, team, reconciled, make_user):
    page = client_for(team.arbiter).get(url("reconcile_extraction", team, pk=reconciled.study_id))
    assert page.status_code == 200
    assert "0 of 1 discrepancy settled" in page.content.decode()
    assert client_for(team.rev2).get(url("reconcile_extraction", team, pk=reconciled.study_id)).status_code == 200
    from review.services.reviews import member_add

    rev3 = make_user("rita_reviewer")
    member_add(review=team.review, user=rev3, roles=["reviewer"], actor=team.lead)
    assert client_for(rev3).get(url("reconcile_extraction", team, pk=reconciled.study_id)).status_code == 403


def test_resolve_lock_unlock_through_the_pages(client_for, team, reconciled):
    item = reconciled.discrepancies.get()
    client = client_for(team.arbiter)
    assert client.get(url("resolve", team, pk=item.pk)).status_code == 405
    client.post(url("resolve", team, pk=item.pk), {"choice": "b", "reason": "Table 2", "version": reconciled.version})
    reconciled.refresh_from_db()
    assert reconciled.data["dose@IVIg"] == "2.5"
    assert client.post(url("lock", team, pk=reconciled.pk), {"version": reconciled.version}).status_code == 403
    lead = client_for(team.lead)
    lead.post(url("lock", team, pk=reconciled.pk), {"version": reconciled.version})
    reconciled.refresh_from_db()
    assert reconciled.is_locked
    lead.post(url("unlock", team, pk=reconciled.pk), {"version": reconciled.version, "reason": "typo"})
    reconciled.refresh_from_db()
    assert not reconciled.is_locked


def test_replayed_resolution_after_lock_changes_nothing(client_for, team, locked):
    item = locked.discrepancies.get()
    before = (locked.fingerprint, dict(locked.data))
    post = {"choice": "new", "value": "9", "reason": "replayed", "version": locked.version}
    response = client_for(team.lead).post(url("resolve", team, pk=item.pk), post, follow=True)
    assert LOCKED in response.content.decode()
    locked.refresh_from_db()
    assert (locked.fingerprint, locked.data) == before
    # A replay with the version from before the lock is stale as well as locked.
    response = client_for(team.arbiter).post(url("resolve", team, pk=item.pk), post | {"version": 1}, follow=True)
    locked.refresh_from_db()
    assert locked.data == before[1]
    assert not AuditEvent.objects.filter(reason="replayed").exists()


def test_replayed_extraction_post_after_submit_changes_nothing(client_for, team, locked):
    extraction = Extraction.objects.get(user=team.rev1)
    data = dict(extraction.data)
    response = client_for(team.rev1).post(url("extract", team, pk=locked.study_id),
                                          {"version": extraction.version, **_cells({"country": "Japan"})})
    assert "You have already submitted this" in response.content.decode()
    extraction.refresh_from_db()
    assert extraction.data == data


def test_outputs_and_downloads(client_for, team, locked):
    client = client_for(team.rev1)
    assert client.get(url("outputs", team)).status_code == 200
    csv = client.get(url("download", team, name="characteristics.csv")).content.decode()
    assert csv.splitlines()[0].startswith("Study,Country")
    assert "Lim 2020,India,RCT,2" in csv
    long = client.get(url("download", team, name="long.csv")).content.decode()
    assert "cr.events@IVIg@6 months" in long
    xlsx = client.get(url("download", team, name="characteristics.xlsx"))
    assert xlsx.content[:2] == b"PK"
    assert client.get(url("download", team, name="secret.csv")).status_code == 404
    assert client.get(url("plot", team) + "?instrument=rob2&style=summary&format=png").content[:4] == b"\x89PNG"
    assert client.get(url("plot", team) + "?instrument=nope&style=summary").status_code == 404
    assert client.post(url("outputs", team)).status_code == 405


def test_locked_consensus_feeds_outputs_but_open_does_not(client_for, team, reconciled):
    csv = client_for(team.lead).get(url("download", team, name="characteristics.csv")).content.decode()
    assert "Lim 2020" not in csv
    assert Consensus.objects.get().status == "open"


def test_weighted_summary_plot_reads_weights_from_locked_data(client_for, team, locked):
    from extraction.outputs.plots import weight_fields, weights_from

    assert weights_from(team.review, "country") == {"Lim 2020": 0.0}
    assert weight_fields(team.review) == []  # the test form has no once-per-study number
    response = client_for(team.lead).get(url("plot", team) + "?instrument=rob2&style=summary&format=svg&weight=x")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def test_overview_query_count_does_not_grow_with_studies(client_for, team, assigned, django_assert_num_queries):
    from review.models import Study

    client = client_for(team.rev1)
    client.get(url("overview", team))
    # session, user, membership+review, my assignments, studies, assignment counts, submitted
    # counts, consensus with open counts, current form
    with django_assert_num_queries(9):
        client.get(url("overview", team))
    for i in range(5):
        Study.objects.create(review=team.review, label=f"Extra {i}")
    with django_assert_num_queries(9):
        client.get(url("overview", team))


def test_an_agreed_value_can_be_corrected_with_a_reason_while_open(client_for, team, reconciled):
    client = client_for(team.arbiter)
    post = {"key": "country", "value": "Japan", "reason": "Erratum", "version": reconciled.version}
    client.post(url("correct", team, pk=reconciled.pk), post)
    reconciled.refresh_from_db()
    assert reconciled.data["country"] == "Japan"
    event = AuditEvent.objects.get(action="extraction.consensus_value_set")
    assert (event.old_value["value"], event.new_value["value"], event.reason) == ("India", "Japan", "Erratum")
    assert client_for(team.rev1).post(url("correct", team, pk=reconciled.pk), post).status_code == 403


def test_correction_of_locked_consensus_is_refused(client_for, team, locked):
    post = {"key": "country", "value": "Japan", "reason": "x", "version": locked.version}
    response = client_for(team.lead).post(url("correct", team, pk=locked.pk), post, follow=True)
    assert LOCKED in response.content.decode()
    locked.refresh_from_db()
    assert locked.data["country"] == "India"


def test_design_suggested_from_locked_extraction(client_for, team, locked):
    from extraction.selectors import suggested_designs

    assert suggested_designs(team.review, field="design") == {locked.study_id: "rct"}
    assert suggested_designs(team.review) == {}  # the test form has no study_design field
    page = client_for(team.lead).get(url("assignments", team))
    assert page.status_code == 200


def test_form_builder_sets_arms_and_time_points_one_per_line(client_for, team, form):
    client = client_for(team.lead)
    page = client.get(url("form", team)).content.decode()
    assert 'name="arms" rows="3">IVIg\nControl</textarea>' in page
    client.post(url("form", team), {"op": "arms", "number": 1, "arms": "IVIg\nPlacebo\n", "timepoints": "6 months"})
    assert FormVersion.objects.get(review=team.review).schema["arms"] == ["IVIg", "Placebo"]


def test_the_design_is_not_chosen_until_the_lead_saves_one(client_for, team, study):
    from extraction.models import AppraisalPlan

    client = client_for(team.lead)
    page = client.get(url("assignments", team)).content.decode()
    select = page.split(f'id="design-{study.pk}"')[1].split("</select>")[0]
    assert '<option value="" selected>Not chosen</option>' in select
    assert "Randomised controlled trial</option>" in select and "selected>Randomised" not in select
    response = client.post(reverse("extraction:plan", args=[team.review.slug, study.pk]),
                           {"design": "", "instrument": "", "version": "0"}, follow=True)
    assert "Choose the study&#x27;s design first" in response.content.decode()
    assert not AppraisalPlan.objects.filter(study=study).exists()


@pytest.fixture
def agreed(team, reconciled):
    from extraction.services.reconciliation import discrepancy_resolve

    discrepancy_resolve(discrepancy=reconciled.discrepancies.get(), choice="a", actor=team.arbiter,
                        reason="Table 1 says 2 g/kg", expected_version=reconciled.version)
    reconciled.refresh_from_db()
    return reconciled


def test_lock_all_agreed_lists_the_studies_then_locks_them_in_one_audited_action(client_for, team, agreed):
    reconciled = agreed
    client = client_for(team.lead)
    lock_url = reverse("extraction:lock_agreed", args=[team.review.slug, "extraction"])
    page = client.get(lock_url)
    assert [c.pk for c in page.context["rows"]] == [reconciled.pk]
    assert reconciled.study.label in page.content.decode()
    response = client.post(lock_url, {"ids": str(reconciled.pk)}, follow=True)
    reconciled.refresh_from_db()
    assert reconciled.status == Consensus.LOCKED
    assert "1 study locked: " + reconciled.study.label in response.content.decode()
    event = AuditEvent.objects.get(action="extraction.consensus_locked_all")
    assert event.new_value == {"count": 1, "studies": [reconciled.study.label]}
    assert AuditEvent.objects.filter(action="extraction.consensus_locked").count() == 1  # the ledger event


def test_lock_all_agreed_refuses_a_list_that_changed_and_locks_nothing(client_for, team, agreed, reconciled):
    client = client_for(team.lead)
    lock_url = reverse("extraction:lock_agreed", args=[team.review.slug, "extraction"])
    response = client.post(lock_url, {"ids": ""}, follow=True)
    assert "changed since the page was opened" in response.content.decode()
    reconciled.refresh_from_db()
    assert reconciled.status != Consensus.LOCKED
    assert client_for(team.rev1).get(lock_url).status_code == 403


def test_reconciliation_shows_discrepancies_first_with_the_differing_words_marked(client_for, team, reconciled):
    url = reverse("extraction:reconcile_extraction", args=[team.review.slug, reconciled.study_id])
    response = client_for(team.lead).get(url)
    rows = response.context["rows"]
    assert not rows[0]["agree"] and rows[0]["cell"].key == "dose@IVIg"
    assert all(r["agree"] for r in rows[1:])
    page = response.content.decode()
    assert '<mark class="diff">2.5</mark>' in page and '<mark class="diff">2</mark>' in page
    only = client_for(team.lead).get(url, {"show": "discrepancies"}).context["rows"]
    assert [r["cell"].key for r in only] == ["dose@IVIg"]
