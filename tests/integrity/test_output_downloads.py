"""Every CSV and XLSX download, fetched from a review whose user text starts like a formula:
no cell a spreadsheet would run, no XLSX cell a formula, negative numbers still numbers."""

import csv
import io
import re

import openpyxl
import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from analysis import figures
from concord.spreadsheets import safe_cell, xlsx_bytes
from tests.integrity.output_data import HOSTILE, build

pytestmark = pytest.mark.django_db

RUNNABLE = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Every URL that answers a spreadsheet; the walk below fails when one is added and not listed.
SPREADSHEET_URLS = {
    "review:export_included", "review:export_votes", "review:prisma_download", "review:export_agreement",
    "extraction:download", "analysis:review_table", "analysis:table", "analysis:dataset",
}


def _runnable(text: str) -> bool:
    stripped = text.lstrip(" \u00a0\u3000\n")
    return (text.startswith(("\t", "\r")) or stripped.startswith(RUNNABLE)) and not NUMBER.fullmatch(stripped)


def _routes(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern)


def test_every_spreadsheet_url_is_listed_here():
    answering = {
        name for name, route in _routes(get_resolver().url_patterns)
        if re.search(r"csv|xlsx|<str:fmt>|outputs/<str:name>", route)
    }
    # The plots take a format too, but only a figure's.
    assert not {"csv", "xlsx"} & set(figures.FORMATS)
    assert answering - {"analysis:plot"} == SPREADSHEET_URLS


@pytest.mark.parametrize(("value", "expected"), [
    ('=HYPERLINK("x")', "'=HYPERLINK(\"x\")"), ("+cmd", "'+cmd"), ("@SUM(1)", "'@SUM(1)"), ("-2+3", "'-2+3"),
    ("-1+cmd", "'-1+cmd"), ("\t1", "'\t1"), ("\r1", "'\r1"), ("  =1+1", "'  =1+1"), ("\n=1", "'\n=1"),
    ("\uff1d1", "'\uff1d1"), ("\uff0b1", "'\uff0b1"), ("\uff0d1", "'\uff0d1"), ("\uff20A", "'\uff20A"),
    ("-0.5", "-0.5"), ("+5", "+5"), (" -1e-3", " -1e-3"), (-0.5, "-0.5"), (float("nan"), ""), (None, ""),
    (float("-inf"), "'-inf"), ("plain", "plain"),
])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_xlsx_keeps_numbers_and_never_writes_a_formula():
    body = xlsx_bytes({"s": (["=h", "n"], [["=1+1", -0.5], ["-2+3", 3], ["\x01@x", None]])})
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    cells = {c.coordinate: c for row in sheet.iter_rows() for c in row}
    assert cells["A1"].value == "'=h" and cells["A2"].value == "'=1+1" and cells["A3"].value == "'-2+3"
    assert cells["A4"].value == "'@x"  # openpyxl refuses control characters: they are dropped
    assert (cells["B2"].value, cells["B2"].data_type) == (-0.5, "n")
    assert all(c.data_type != "f" for c in cells.values())


@pytest.fixture
def hostile(team, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return build(team)


def _downloads(review):
    slug = review.slug
    urls = [
        reverse("review:export_included", args=[slug, "csv"]),
        reverse("review:export_votes", args=[slug]),
        reverse("review:prisma_download", args=[slug, "csv"]),
        *(reverse("extraction:download", args=[slug, name])
          for name in ("characteristics.csv", "characteristics.xlsx", "long.csv", "appraisal.csv")),
        reverse("analysis:review_table", args=[slug, "csv"]),
        reverse("analysis:review_table", args=[slug, "xlsx"]),
    ]
    for analysis in review.analyses.all():
        urls += [
            reverse("analysis:table", args=[slug, analysis.pk, "csv"]),
            reverse("analysis:table", args=[slug, analysis.pk, "xlsx"]),
            reverse("analysis:dataset", args=[slug, analysis.pk]),
        ]
    return urls


def _cells(url: str, body: bytes) -> list[tuple[str, object, str]]:
    """(where, value, data type) of every cell of a CSV or XLSX body."""
    if url.endswith(".xlsx"):
        book = openpyxl.load_workbook(io.BytesIO(body))
        return [(f"{url} {sheet.title}!{c.coordinate}", c.value, c.data_type)
                for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    rows = csv.reader(io.StringIO(body.decode("utf-8"), newline=""))
    return [(f"{url} row {r} col {c}", value, "s") for r, row in enumerate(rows) for c, value in enumerate(row)]


def test_every_download_neutralises_every_planted_formula(team, hostile, client_for):
    client = client_for(team.lead)
    urls = _downloads(hostile)
    assert len(urls) == 15
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        cells = _cells(url, response.content)
        assert not [w for w, _, kind in cells if kind == "f"], url
        texts = [(w, v) for w, v, _ in cells if isinstance(v, str)]
        assert not [(w, v) for w, v in texts if _runnable(v)], url
        # The markers reached this download, neutralised, so the check above is not vacuous.
        assert [v for _, v in texts if v.startswith("'") and _runnable(v[1:])], url


def test_pooled_numbers_stay_numbers(team, hostile, client_for):
    client = client_for(team.lead)
    analysis = hostile.analyses.order_by("position").first()
    data = client.get(reverse("analysis:dataset", args=[hostile.slug, analysis.pk])).content.decode()
    rows = list(csv.DictReader(io.StringIO(data, newline="")))
    assert len(rows) == 13 and all(r["study"].startswith("'") for r in rows)
    assert sum(float(r["yi"]) < 0 for r in rows) >= 10  # BCG lowers the risk in most trials
    body = client.get(reverse("analysis:table", args=[hostile.slug, analysis.pk, "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(body))["studies"]
    header = [c.value for c in sheet[1]]
    yi = [row[header.index("yi")] for row in sheet.iter_rows(min_row=2)]
    assert all(c.data_type == "n" for c in yi) and min(c.value for c in yi) < 0


def test_every_hostile_value_reaches_some_download(team, hostile, client_for):
    client = client_for(team.lead)
    seen = set()
    for url in _downloads(hostile):
        for _, value, _ in _cells(url, client.get(url).content):
            if isinstance(value, str):
                seen.update(h for h in HOSTILE if h.strip() and h.strip()[:6] in value)
    assert seen == {h for h in HOSTILE if h.strip()}
