"""The audit log reads in words: labels for actions, objects, fields and coded values."""

import pytest
from django.urls import reverse

from review.audit_words import action_label, change_lines, object_label

pytestmark = pytest.mark.django_db


def test_actions_and_objects_are_named_in_words():
    assert action_label("extraction.consensus_locked") == "Extraction: consensus locked"
    assert action_label("screening.vote_cast") == "Screening: vote cast"
    assert object_label("review.screeningdecision", "12") == "screening decision 12"
    assert object_label("gone.model", "3") == "model 3"


def test_a_change_is_old_to_new_per_field_with_coded_values_as_labels():
    lines = change_lines({"status": "awaiting", "note": "x"}, {"status": "excluded", "note": "x", "reason": None})
    assert lines == ["Status: Awaiting decisions → Excluded", "Reason: —"]
    assert change_lines(None, {"vote": "exclude", "labels": [], "stage": "title_abstract", "overridden": True}) == [
        "Vote: Exclude", "Labels: none", "Stage: Title and abstract", "Overridden: yes"]
    assert change_lines({"study": None}, {"study": "de Souza 2019"}) == ["Study: — → de Souza 2019"]
    assert change_lines({"a": 1}, {}) == ["A: 1 → removed"]
    # A vote taken back: its empty fields had nothing to remove.
    assert change_lines({"vote": "include", "note": "", "labels": [], "exclusion_reason": None}, {}) == [
        "Vote: Include → removed"]
    assert change_lines(None, None) == [] and change_lines("x", "y") == ["x → y"]


def test_a_long_nested_value_is_summarised(team):
    data = {f"field_{i}": "low" for i in range(30)}
    assert change_lines(None, {"data": data}) == ["Data: 30 fields"]


def test_the_audit_page_shows_no_python_dicts(team, client_for):
    page = client_for(team.lead).get(reverse("review:audit", args=[team.review.slug])).content.decode()
    assert "Review: created" in page and "{&#x27;" not in page and "{'" not in page
