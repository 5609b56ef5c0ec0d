"""The analysis editor offers what the locked data hold and refuses what they do not."""

import html

import pytest
from django.urls import reverse

from analysis import availability as av
from analysis.models import Analysis

pytestmark = pytest.mark.django_db

T = "@6 months"


def url(name, review, *args):
    return reverse(f"analysis:{name}", args=[review.slug, *args])


def _cr(events1, total1, events2=None, total2=None, **extra):
    cells = {f"cr.events@IVIg{T}": events1, f"cr.total@IVIg{T}": total1}
    if events2 is not None:
        cells |= {f"cr.events@Control{T}": events2, f"cr.total@Control{T}": total2}
    return cells | extra


@pytest.fixture
def locked(team, continuous, lock_study):
    """Three locked studies with complete response in both arms, one with MMT-8 in the IVIg
    arm only, and one study not locked."""
    lock_study("Alpha 2001", _cr("8", "20", "3", "19", route="IV", publication_type="Full text"))
    lock_study("Beta 2004", _cr("12", "30", "6", "31", route="SC", publication_type="Full text"))
    lock_study(
        "Gamma 2010", _cr("5", "15", "2", "14", route="IV", publication_type="Conference abstract")
    )
    lock_study(
        "Delta 2015",
        {
            f"mmt8.mean@IVIg{T}": "10.5",
            f"mmt8.sd@IVIg{T}": "3",
            f"mmt8.n@IVIg{T}": "12",
            "route": "IV",
        },
    )
    lock_study("Open 2020", _cr("1", "10", "1", "10"), lock=False)
    return team


def _post(client, review, **over):
    data = {
        "name": "Complete response",
        "outcome": "cr",
        "timepoint": "6 months",
        "arm1": "IVIg",
        "arm2": "Control",
        "measure": "RR",
        "method": "REML",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "abstracts_field": "publication_type",
        "design_field": "route",
    } | over
    return client.post(url("new", review), data)


def _page(response) -> str:
    return html.unescape(response.content.decode())


def test_editor_offers_outcomes_arms_timepoints_and_fields_with_locked_counts(locked, client_for):
    response = client_for(locked.lead).get(url("new", locked.review))
    assert response.status_code == 200
    page = _page(response)
    assert '<option value="cr">Complete response (cr, binary): 3 locked studies</option>' in page
    assert '<option value="mmt8">MMT-8 (mmt8, continuous): 1 locked study</option>' in page
    # The CPK outcome is in the form but no locked study has data for it.
    assert (
        '<option value="cpk">CPK change (cpk, change from baseline): 0 locked studies</option>'
        in page
    )
    assert '<option value="IVIg">IVIg: 4 locked studies</option>' in page
    assert '<option value="Control">Control: 3 locked studies</option>' in page
    assert '<option value="6 months">6 months: 4 locked studies</option>' in page
    assert '<option value="route">Route (route): 4 locked studies</option>' in page
    # Per outcome, below the form: MMT-8 has data in the IVIg arm only.
    assert "IVIg (1), Control (0)" in page
    assert "Conference abstract (1)" in page
    # The study still reconciling counts nowhere.
    assert "4 locked studies." in page


def test_a_choice_from_the_form_saves(locked, client_for):
    response = _post(client_for(locked.lead), locked.review, subgroup_field="route")
    assert response.status_code == 302
    saved = Analysis.objects.get(name="Complete response")
    assert (saved.outcome, saved.arm1, saved.arm2, saved.timepoint) == (
        "cr",
        "IVIg",
        "Control",
        "6 months",
    )


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"outcome": "responce"}, "No locked study has outcome 'responce'."),
        ({"arm1": "IVIG"}, "No locked study has arm 'IVIG' for outcome 'cr'."),
        (
            {"timepoint": "12 months"},
            "No locked study has time point '12 months' for outcome 'cr'.",
        ),
        ({"timepoint": ""}, "Outcome 'cr' is recorded per time point: choose the time point."),
        (
            {"outcome": "cpk", "timepoint": "", "measure": "MC", "arm2": ""},
            "No locked study has data for outcome 'cpk'.",
        ),
        (
            {"outcome": "mmt8", "measure": "MD"},
            "No locked study has arm 'Control' for outcome 'mmt8'.",
        ),
        (
            {"outcome": "mmt8"},
            "Outcome 'mmt8' is continuous; Risk ratio (RR) needs a binary outcome.",
        ),
        ({"subgroup_field": "rout"}, "No locked study has field 'rout'."),
        (
            {"exclude": "route = IV\npub_type contains abstract"},
            "No locked study has field 'pub_type' (line 2).",
        ),
        (
            {"sensitivity": "Only SC: design = x"},
            "No locked study has field 'design' (Only SC).",
        ),
        (
            {"drop_abstracts": "on", "abstracts_field": "publication"},
            "No locked study has field 'publication' (Drop conference abstracts).",
        ),
        (
            {"exclude": "route contains C\nroute = IV"},
            "The exclusions leave out every one of the 4 locked studies.",
        ),
    ],
)
def test_a_selection_the_locked_data_cannot_fill_is_refused_naming_what_is_missing(
    locked, client_for, over, message
):
    response = _post(client_for(locked.lead), locked.review, **over)
    assert response.status_code == 400
    assert message in _page(response)
    assert not Analysis.objects.filter(name="Complete response").exists()


def test_a_proportion_of_the_single_arm_with_data_saves(locked, client_for):
    response = _post(
        client_for(locked.lead),
        locked.review,
        outcome="mmt8",
        measure="MN",
        arm2="",
        name="MMT-8 mean",
    )
    assert response.status_code == 302


def test_incomplete_data_in_every_study_is_refused_with_the_missing_cells(
    team, continuous, lock_study, client_for
):
    lock_study("Alpha 2001", {f"cr.events@IVIg{T}": "8", f"cr.events@Control{T}": "3"})
    lock_study("Beta 2004", {f"cr.events@IVIg{T}": "9", f"cr.events@Control{T}": "2"})
    response = _post(client_for(team.lead), team.review)
    assert response.status_code == 400
    assert (
        "None of the 2 locked studies has all the data this analysis needs: 2 locked studies "
        "miss cr.total@IVIg@6 months, cr.total@Control@6 months."
    ) in _page(response)


def test_with_nothing_locked_the_editor_says_so_and_saves_nothing(team, continuous, client_for):
    client = client_for(team.lead)
    page = _page(client.get(url("new", team.review)))
    assert "No study has locked data yet" in page
    assert '<option value="cr">' not in page
    response = _post(client, team.review)
    assert response.status_code == 400
    assert "No locked study has outcome 'cr'." in _page(response)


def test_an_existing_key_that_matches_is_preselected_and_one_that_does_not_is_shown_missing(
    locked, client_for
):
    matching = Analysis.objects.create(
        review=locked.review,
        name="Typed, right",
        outcome="cr",
        timepoint="6 months",
        arm1="IVIg",
        arm2="Control",
        measure="RR",
        subgroup_field="route",
    )
    misspelt = Analysis.objects.create(
        review=locked.review,
        name="Typed, wrong",
        outcome="responce",
        timepoint="6 months",
        arm1="IVIG",
        arm2="Control",
        measure="RR",
        created_by=locked.lead,
    )
    client = client_for(locked.lead)
    page = _page(client.get(url("edit", locked.review, matching.pk)))
    assert '<option value="cr" selected>' in page
    assert '<option value="IVIg" selected>' in page
    assert '<option value="route" selected>' in page
    page = _page(client.get(url("edit", locked.review, misspelt.pk)))
    assert f'<option value="responce" selected>{av.missing_label("responce")}</option>' in page
    assert f'<option value="IVIG" selected>{av.missing_label("IVIG")}</option>' in page
    data = {
        "name": misspelt.name,
        "outcome": "responce",
        "timepoint": "6 months",
        "arm1": "IVIG",
        "arm2": "Control",
        "measure": "RR",
        "method": "auto",
        "re_method": "REML",
        "test": "z",
        "level": "95",
        "conversion": "luo-shi",
        "version": str(misspelt.version),
    }
    response = client.post(url("edit", locked.review, misspelt.pk), data)
    assert response.status_code == 400
    assert "No locked study has outcome 'responce'." in _page(response)
    response = client.post(
        url("edit", locked.review, misspelt.pk), data | {"outcome": "cr", "arm1": "IVIg"}
    )
    assert response.status_code == 302
    assert Analysis.objects.get(pk=misspelt.pk).outcome == "cr"


def test_the_choices_are_the_leads(locked, client_for):
    assert client_for(locked.rev1).get(url("new", locked.review)).status_code == 403
    assert _post(client_for(locked.rev1), locked.review).status_code == 403
    assert client_for(locked.outsider).get(url("new", locked.review)).status_code == 404


def test_conditions_are_built_by_choosing_a_field_and_a_value(locked, client_for):
    client = client_for(locked.lead)
    page = _page(client.get(url("new", locked.review)))
    assert '<select name="add_exclude_field"' in page and '<select name="add_variant_field"' in page
    assert '<option value="Conference abstract">' in page  # a value the locked studies hold
    response = _post(
        client,
        locked.review,
        add_exclude_field="publication_type",
        add_exclude_op="contains",
        add_exclude_value="abstract",
        add_variant_label="Intravenous only",
        add_variant_field="route",
        add_variant_op="!=",
        add_variant_value="IV",
    )
    assert response.status_code == 302
    saved = Analysis.objects.get(name="Complete response")
    assert saved.exclude == [{"field": "publication_type", "op": "contains", "value": "abstract"}]
    assert saved.sensitivity == [
        {
            "label": "Intravenous only",
            "kind": "exclude",
            "conditions": [{"field": "route", "op": "!=", "value": "IV"}],
        }
    ]


@pytest.mark.parametrize(
    ("over", "message"),
    [
        (
            {"add_exclude_field": "route", "add_exclude_value": "IM"},
            "No locked study has route = IM: the condition leaves out none.",
        ),
        (
            {"exclude": "route = IX"},
            "No locked study has route = IX: the condition leaves out none (line 1).",
        ),
        ({"add_exclude_value": "IV"}, "Choose the field this value is compared with."),
        ({"add_exclude_field": "route"}, "Enter the value to compare route with."),
        (
            {"add_variant_field": "route", "add_variant_value": "IV"},
            "Give the new sensitivity analysis a label.",
        ),
        (
            {"add_exclude_field": "route", "add_exclude_op": "<", "add_exclude_value": "IV"},
            "'is below' and 'is above' compare numbers; 'IV' is not a number.",
        ),
    ],
)
def test_a_condition_that_meets_no_locked_study_or_is_incomplete_is_refused(
    locked, client_for, over, message
):
    response = _post(client_for(locked.lead), locked.review, **over)
    assert response.status_code == 400
    assert message in _page(response)


def test_a_chosen_value_meets_studies_whatever_its_case(locked, client_for):
    over = {"add_variant_label": "SC", "add_variant_field": "route", "add_variant_value": "sc "}
    assert _post(client_for(locked.lead), locked.review, **over).status_code == 302


def test_a_presets_usual_field_is_suggested_only_where_the_locked_data_have_it(locked, client_for):
    client = client_for(locked.lead)
    page = _page(client.get(url("new", locked.review)))
    assert '<option value="publication_type" selected>' in page
    assert "design (missing" not in page  # the form has no design field: nothing preselected
    response = _post(client, locked.review, drop_retrospective="on", design_field="")
    assert response.status_code == 400
    assert "Choose the field that records the study design." in _page(response)
