"""Conditions and sensitivity variants, as the editor writes and reads them."""

import pytest

from analysis.conditions import (
    BAD_CONDITION,
    NUMBER_NEEDED,
    OPS,
    holds,
    parse_conditions,
    parse_variants,
    variant_text,
)


def test_variants_round_trip_through_text():
    text = "Adults only: population = juvenile; population = mixed\nNo outliers: outliers"
    variants = parse_variants(text)
    assert variants == [
        {
            "label": "Adults only",
            "kind": "exclude",
            "conditions": [
                {"field": "population", "op": "=", "value": "juvenile"},
                {"field": "population", "op": "=", "value": "mixed"},
            ],
        },
        {"label": "No outliers", "kind": "outliers"},
    ]
    assert "\n".join(variant_text(v) for v in variants) == text


@pytest.mark.parametrize(
    ("op", "value", "stored", "expected"),
    [
        ("=", "IV", "iv", True),
        ("=", "2", "2.0", True),
        ("!=", "IV", "SC", True),
        ("contains", "abstract", "Conference abstract", True),
        ("contains", "retro", ["Prospective", "Retrospective cohort"], True),
        ("<", "30", "19", True),
        (">", "30", "19", False),
        ("<", "30", "n/a", False),
        ("=", "IV", None, False),  # nothing reported: never dropped
        ("!=", "IV", "", False),
    ],
)
def test_holds(op, value, stored, expected):
    assert holds({"field": "f", "op": op, "value": value}, stored) is expected


def test_bad_lines_are_named():
    with pytest.raises(ValueError) as exc:
        parse_conditions("route = IV\nroute is IV")
    assert str(exc.value) == BAD_CONDITION.format(line=2, ops=", ".join(OPS))
    with pytest.raises(ValueError) as exc:
        parse_conditions("ablat < north")
    assert str(exc.value) == NUMBER_NEEDED.format(line=1, value="north")
