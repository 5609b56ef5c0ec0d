"""The extraction entry page: every per-arm outcome in one arms × outcomes grid."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from extraction.formspec import cells
from extraction.models import Extraction

from .conftest import SCHEMA

pytestmark = pytest.mark.django_db

# Two per-arm outcomes, one measured per time point only (no arms), and per-arm study fields.
TWO_OUTCOMES = SCHEMA | {
    "timepoints": ["6 months", "12 months"],
    "outcomes": [
        {"key": "cr", "name": "Complete response", "type": "binary", "repeat": "arm_timepoint"},
        {"key": "mmt", "name": "Muscle strength", "type": "time_to_event", "repeat": "arm",
         "help": "Manual muscle testing, MMT-8"},
        {"key": "ae", "name": "Adverse events", "type": "binary", "repeat": "timepoint"},
    ],
}


class _Grids(HTMLParser):
    """Each `table.entry-grid`: its column headers and its row groups, each row as
    (header text, [input names per data cell])."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._text, self._in_thead = [], None, None, False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "entry-grid" in (attrs.get("class") or ""):
            self.tables.append({"class": attrs["class"], "columns": [], "groups": []})
        if not self.tables or self.tables[-1].get("done"):
            return
        table = self.tables[-1]
        if tag == "thead":
            self._in_thead = True
        elif tag == "tbody":
            table["groups"].append({"title": None, "rows": []})
        elif tag == "tr" and not self._in_thead:
            self._row = {"header": None, "cells": []}
        elif tag == "th":
            self._text, self._scope = [], attrs.get("scope")
        elif tag == "td":
            self._cell = []
        elif tag in ("input", "select", "textarea") and self._cell is not None:
            self._cell.append(attrs["name"])

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if not self.tables or self.tables[-1].get("done"):
            return
        table = self.tables[-1]
        if tag == "table":
            table["done"] = True
        elif tag == "thead":
            self._in_thead = False
        elif tag == "th":
            text = " ".join("".join(self._text).split())
            self._text = None
            if self._in_thead:
                table["columns"].append(text)
            elif self._scope == "rowgroup":
                table["groups"][-1]["title"] = text
            else:
                self._row["header"] = text
        elif tag == "td":
            self._row["cells"].append(self._cell)
            self._cell = None
        elif tag == "tr" and not self._in_thead and self._row["header"] is not None:
            table["groups"][-1]["rows"].append((self._row["header"], self._row["cells"]))


def _grids(page: str) -> list[dict]:
    parser = _Grids()
    parser.feed(page)
    return parser.tables


@pytest.fixture
def two_outcomes(team, study):
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish

    form_publish(review=team.review, schema=TWO_OUTCOMES, actor=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead,
                   expected_version=None)
    return study


def _entry_url(team, study):
    return reverse("extraction:extract", kwargs={"slug": team.review.slug, "pk": study.pk})


def test_all_per_arm_outcomes_share_one_grid_with_a_row_group_per_outcome(client_for, team, two_outcomes):
    response = client_for(team.rev1).get(_entry_url(team, two_outcomes))
    outcome_grids = [t for t in _grids(response.content.decode()) if "outcomes-grid" in t["class"]]
    assert len(outcome_grids) == 1
    grid = outcome_grids[0]
    assert grid["columns"] == ["Measure", "IVIg", "Control"]
    assert [g["title"] for g in grid["groups"]] == ["Complete response", "Muscle strength Manual muscle testing, MMT-8"]
    cr, mmt = grid["groups"]
    assert cr["rows"] == [
        ("Events [6 months]", [["cell:cr.events@IVIg@6 months"], ["cell:cr.events@Control@6 months"]]),
        ("Total [6 months]", [["cell:cr.total@IVIg@6 months"], ["cell:cr.total@Control@6 months"]]),
        ("Events [12 months]", [["cell:cr.events@IVIg@12 months"], ["cell:cr.events@Control@12 months"]]),
        ("Total [12 months]", [["cell:cr.total@IVIg@12 months"], ["cell:cr.total@Control@12 months"]]),
    ]
    assert mmt["rows"] == [
        ("Mean (months)", [["cell:mmt.mean@IVIg"], ["cell:mmt.mean@Control"]]),
        ("Median (months)", [["cell:mmt.median@IVIg"], ["cell:mmt.median@Control"]]),
        ("n", [["cell:mmt.n@IVIg"], ["cell:mmt.n@Control"]]),
    ]


def test_sections_that_are_not_per_arm_outcomes_keep_their_own_layout(client_for, team, two_outcomes):
    response = client_for(team.rev1).get(_entry_url(team, two_outcomes))
    titles = [s["title"] for s in response.context["sections"]]
    # The grid stands where the first per-arm outcome stood; the outcome without arms stays a list.
    assert titles == ["Study", "Outcomes", "Outcome: Adverse events"]
    study_section, outcomes, adverse = response.context["sections"]
    assert study_section["grid"] is None and adverse["grid"] is None
    assert [r["name"] for r in adverse["rows"]] == ["cell:ae.events@6 months", "cell:ae.total@6 months",
                                                    "cell:ae.events@12 months", "cell:ae.total@12 months"]
    page = response.content.decode()
    assert '<label for="cell-0">Country *</label>' in page
    # Each grid input keeps its full label (with outcome and arm) for screen readers.
    assert 'class="sr-only">Complete response: Events [IVIg] [6 months]</label>' in page


def test_the_grid_posts_the_same_field_keys_and_saves_every_arm(client_for, team, two_outcomes):
    client = client_for(team.rev1)
    entry = client.get(_entry_url(team, two_outcomes))
    grid = next(t for t in _grids(entry.content.decode()) if "outcomes-grid" in t["class"])
    grid_names = [name for group in grid["groups"] for _, row in group["rows"] for names in row for name in names]
    schema = Extraction.objects.get(study=two_outcomes, user=team.rev1).form_version.schema
    per_arm_outcome_keys = [f"cell:{c.key}" for c in cells(schema) if c.arm and c.component]
    assert sorted(grid_names) == sorted(per_arm_outcome_keys) and len(grid_names) == len(set(grid_names))
    posted = {"cell:country": "India", "cell:cr.events@IVIg@6 months": "5", "cell:cr.events@Control@6 months": "3",
              "cell:mmt.n@IVIg": "20", "cell:mmt.n@Control": "19", "version": 1, "save": ""}
    response = client.post(_entry_url(team, two_outcomes), posted)
    assert response.status_code == 302
    extraction = Extraction.objects.get(study=two_outcomes, user=team.rev1)
    assert extraction.data == {"country": "India", "cr.events@IVIg@6 months": 5, "cr.events@Control@6 months": 3,
                               "mmt.n@IVIg": 20, "mmt.n@Control": 19}


def test_an_error_in_the_grid_shows_beside_its_cell_and_names_the_field(client_for, team, two_outcomes):
    client = client_for(team.rev1)
    response = client.post(_entry_url(team, two_outcomes), {
        "cell:mmt.mean@Control": "4,5", "cell:mmt.mean@IVIg": "6.1", "version": 1, "save": ""})
    assert response.status_code == 400
    message = "Muscle strength: Mean (months) [Control]: enter a number (use a dot for decimals)."
    row = next(r for s in response.context["sections"] for r in s["rows"] if r["name"] == "cell:mmt.mean@Control")
    assert row["error"] == message
    page = response.content.decode()
    # In the same table cell, right after the input it describes.
    cell = re.search(r'<td>((?:(?!</td>).)*name="cell:mmt.mean@Control"(?:(?!</td>).)*)</td>', page, re.S).group(1)
    assert f'aria-invalid="true" aria-describedby="{row["id"]}-error"' in cell
    assert f'<span class="cell-error" id="{row["id"]}-error">{message}</span>' in cell
    assert f'<li><a href="#{row["id"]}">{message}</a></li>' in page  # the summary links to the cell
    ivig = next(r for s in response.context["sections"] for r in s["rows"] if r["name"] == "cell:mmt.mean@IVIg")
    assert ivig["error"] == "" and ivig["value"] == "6.1"


def test_a_submitted_extraction_reads_back_in_the_same_grid_with_inputs_disabled(client_for, team, two_outcomes,
                                                                                  fill):
    fill(two_outcomes, team.rev1, {"country": "India", "cr.events@IVIg@6 months": "5", "mmt.n@Control": "19"})
    page = client_for(team.rev1).get(_entry_url(team, two_outcomes)).content.decode()
    grid = next(t for t in _grids(page) if "outcomes-grid" in t["class"])
    assert [g["title"] for g in grid["groups"]] == ["Complete response", "Muscle strength Manual muscle testing, MMT-8"]
    assert re.search(r'name="cell:cr.events@IVIg@6 months" type="number" step="1" value="5" disabled', page)
    assert re.search(r'name="cell:mmt.n@Control" type="number" step="1" value="19" disabled', page)
    assert ">Save draft</button>" not in page
