"""Form definitions: validation, expansion into cells per arm and time point, typed values and
comparison (numbers by value, text after whitespace normalisation)."""

import pytest

from extraction.formspec import SchemaError, ValueError_, cells, coerce, diff_cells, same, validate
from extraction.formspec.cells import Cell

from .conftest import SCHEMA


def cell(kind, **kw):
    return Cell(key="k", field="k", label="K", type=kind, section="S", **kw)


def test_outcomes_repeat_per_arm_and_time_point():
    keys = [c.key for c in cells(validate(SCHEMA))]
    assert keys == ["country", "design", "dose@IVIg", "dose@Control",
                    "cr.events@IVIg@6 months", "cr.total@IVIg@6 months",
                    "cr.events@Control@6 months", "cr.total@Control@6 months"]


@pytest.mark.parametrize(("kind", "components"), [
    ("binary", ["events", "total"]),
    ("continuous", ["mean", "sd", "n", "median", "min", "max", "q1", "q3"]),
    ("change", ["pre_mean", "pre_sd", "post_mean", "post_sd", "n", "correlation"]),
    ("time_to_event", ["mean", "median", "n"]),
])
def test_outcome_types_expand_into_their_components(kind, components):
    schema = validate({"sections": [], "outcomes": [{"key": "o", "name": "O", "type": kind, "repeat": "none"}]})
    assert [c.component for c in cells(schema)] == components


def test_validation_reports_every_problem():
    with pytest.raises(SchemaError) as exc:
        validate({"sections": [{"title": "S", "fields": [
            {"key": "a", "type": "integer", "repeat": "arm"},
            {"key": "a", "type": "colour"},
        ]}], "arms": ["x@y"]})
    assert exc.value.messages == [
        "Arm and time-point names must be 1-60 characters without '@': 'x@y'.",
        "Key 'a' is used twice; keys must be unique in a form.",
        "S / a: unknown type 'colour'.",
    ]


def test_repeat_per_arm_needs_arms():
    with pytest.raises(SchemaError) as exc:
        validate({"sections": [{"title": "S", "fields": [{"key": "a", "type": "integer", "repeat": "arm"}]}]})
    assert exc.value.messages == ["S / a: repeats per arm, but the form has no arms."]


def test_typed_values_are_stored_canonically():
    assert coerce(cell("integer"), " 12 ") == 12
    assert coerce(cell("integer"), "12.0") == 12
    assert coerce(cell("decimal"), "2.50") == "2.5"
    assert coerce(cell("decimal"), "100") == "100"
    assert coerce(cell("date"), "2020-02-29") == "2020-02-29"
    assert coerce(cell("yes_no_unclear"), "Yes") == "yes"
    assert coerce(cell("multiple_choice", choices=("a", "b")), ["b", "a", "b"]) == ["a", "b"]
    assert coerce(cell("short_text"), "   ") is None


@pytest.mark.parametrize(("kind", "raw"), [
    ("integer", "1.5"), ("decimal", "1,5"), ("decimal", "nan"), ("date", "29/02/2020"),
    ("yes_no_unclear", "maybe"),
])
def test_bad_values_are_refused(kind, raw):
    with pytest.raises(ValueError_):
        coerce(cell(kind), raw)


def test_choice_outside_the_list_is_refused():
    with pytest.raises(ValueError_):
        coerce(cell("single_choice", choices=("a", "b")), "c")


def test_comparison_by_value_and_normalised_text():
    assert same("decimal", "2", "2.00")
    assert same("integer", 3, 3)
    assert not same("decimal", "2", "2.5")
    assert same("long_text", "Two  cycles\nevery month ", "Two cycles every month")
    assert not same("short_text", "India", "india")
    assert same("multiple_choice", ["a", "b"], ["b", "a"])
    assert same("integer", None, None)
    assert not same("integer", None, 0)


def test_diff_names_added_and_removed_cells():
    old = validate(SCHEMA)
    new = validate({**SCHEMA, "timepoints": ["6 months", "End"],
                    "sections": [{**SCHEMA["sections"][0], "fields": SCHEMA["sections"][0]["fields"][:2]}]})
    added, removed = diff_cells(old, new)
    assert removed == ["dose@IVIg", "dose@Control"]
    assert added == ["cr.events@IVIg@End", "cr.total@IVIg@End", "cr.events@Control@End", "cr.total@Control@End"]
