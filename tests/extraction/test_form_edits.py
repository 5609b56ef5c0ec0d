"""The form builder edits and reorders fields; a key or type never changes under data."""

import pytest
from django.urls import reverse

from extraction.formspec import edit
from extraction.models import FormVersion

pytestmark = pytest.mark.django_db

SCHEMA = {"arms": ["IVIg", "Placebo"], "timepoints": [], "outcomes": [
    {"key": "response", "name": "Response", "type": "binary", "repeat": "arm"},
    {"key": "cpk", "name": "CPK", "type": "continuous", "repeat": "arm"}],
    "sections": [{"title": "Study", "fields": [
        {"key": "country", "label": "Country", "type": "short_text", "required": False, "choices": []},
        {"key": "design", "label": "Design", "type": "single_choice", "required": True, "choices": ["RCT", "cohort"]},
    ]}]}


def test_a_field_is_edited_but_never_its_key_or_type():
    new = edit.update_field(SCHEMA, key="design", changes={"label": "Study design", "choices": "RCT\ncohort\ncase series"})
    field = new["sections"][0]["fields"][1]
    assert (field["label"], field["choices"], field["type"]) == ("Study design", ["RCT", "cohort", "case series"],
                                                                  "single_choice")
    assert SCHEMA["sections"][0]["fields"][1]["label"] == "Design"  # a new schema, the old one untouched
    with pytest.raises(ValueError, match="cannot be edited"):
        edit.update_field(SCHEMA, key="design", changes={"type": "long_text"})
    with pytest.raises(KeyError):
        edit.update_field(SCHEMA, key="nope", changes={"label": "x"})


def test_fields_and_outcomes_move_one_place_and_stop_at_the_ends():
    moved = edit.move(SCHEMA, key="design", direction="up")
    assert [f["key"] for f in moved["sections"][0]["fields"]] == ["design", "country"]
    assert edit.move(moved, key="design", direction="up") == moved
    assert [o["key"] for o in edit.move(SCHEMA, key="response", direction="down")["outcomes"]] == ["cpk", "response"]


def test_the_builder_edits_and_moves_as_new_form_versions(team, client_for):
    from extraction.services.forms import form_publish

    form_publish(review=team.review, schema=SCHEMA, actor=team.lead)
    client = client_for(team.lead)
    url = reverse("extraction:form", args=[team.review.slug])
    page = client.get(url).content.decode()
    assert "names its data in every extraction, export and analysis" in page and "Edit design" in page
    client.post(url, {"op": "update", "key": "country", "kind": "field", "label": "Country of recruitment",
                      "number": "1"})
    client.post(url, {"op": "move", "key": "design", "direction": "up", "number": "1"})
    schema = FormVersion.objects.filter(review=team.review).order_by("-number").first().schema
    assert [(f["key"], f["label"]) for f in schema["sections"][0]["fields"]] == [
        ("design", "Design"), ("country", "Country of recruitment")]
    response = client.post(url, {"op": "update", "key": "country", "kind": "field", "label": "", "number": "1"},
                           follow=True)
    assert "Give the field a label." in response.content.decode()
