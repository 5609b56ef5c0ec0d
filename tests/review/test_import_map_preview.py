"""The column-mapping page: five rows of the file under its headers, and beside each field
what "(automatic)" will read, from the importer's own mapping."""

import html
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from review.forms import AUTOMATIC_NOTHING, AUTOMATIC_PICK
from review.models import RecordImport

HEADERS = ["Article Title", "Authors", "Publication Year", "Notes"]
ROWS = [["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "2019", "first"]] + [
    [f"Study {i}", f"Author {i}", str(2000 + i), f"note {i}"] for i in range(2, 9)
]


def _csv() -> bytes:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADERS, *ROWS])
    return buffer.getvalue().encode()


def _xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    for row in [HEADERS, *ROWS]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def waiting(team, source, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)

    def make(data: bytes, name: str) -> RecordImport:
        return RecordImport.objects.create(
            review=team.review, source=source, filename=name, sha256=f"{len(name):064x}", status="pending",
            format="", upload=ContentFile(data, name=name),
        )

    return make


def _url(team, record_import):
    return reverse("review:import_map", args=[team.review.slug, record_import.pk])


def _preview_body_rows(page: str) -> list[str]:
    table = re.search(r'<table class="preview" id="preview">(.*?)</table>', page, re.S).group(1)
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def _help(page: str, field: str) -> str:
    return html.unescape(re.search(rf'id="id_{field}_helptext">(.*?)</', page, re.S).group(1))


@pytest.mark.parametrize(("data", "name"), [(_csv(), "search.csv"), (_xlsx(), "search.xlsx")])
def test_the_page_shows_five_rows_and_what_automatic_will_pick(team, client_for, waiting, data, name):
    page = client_for(team.lead).get(_url(team, waiting(data, name))).content.decode()
    rows = _preview_body_rows(page)
    assert len(rows) == 5
    assert "Study 5" in rows[4] and "Study 6" not in page
    assert _help(page, "title") == AUTOMATIC_PICK.format(columns="Article Title")
    assert _help(page, "authors") == AUTOMATIC_PICK.format(columns="Authors")
    assert _help(page, "year") == AUTOMATIC_PICK.format(columns="Publication Year")
    assert _help(page, "abstract") == AUTOMATIC_NOTHING
    header = re.search(r'<th scope="col">Article Title(.*?)</th>', page, re.S).group(1)
    assert "→ Title" in header
    assert '<th scope="col">Notes</th>' in page  # a column nothing reads carries no mark


def test_cells_are_escaped_and_formulas_shown_as_text(team, client_for, waiting):
    page = client_for(team.lead).get(_url(team, waiting(_csv(), "search.csv"))).content.decode()
    first = _preview_body_rows(page)[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in first
    assert "<script>alert" not in page
    assert "<td>=cmd|&#x27; /C calc&#x27;!A0</td>" in first


def test_a_short_file_shows_the_rows_it_has(team, client_for, waiting):
    page = client_for(team.lead).get(_url(team, waiting(b"Title,Year\nOnly study,2001\n", "one.csv"))).content
    rows = _preview_body_rows(page.decode())
    assert len(rows) == 1 and "Only study" in rows[0]


def test_a_choice_posted_still_imports_the_chosen_column(team, client_for, waiting, django_capture_on_commit_callbacks):
    from review.models import Record

    record_import = waiting(_csv(), "search.csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(team.lead).post(_url(team, record_import), {"title": "Notes"})
    assert response.status_code == 302
    record_import.refresh_from_db()
    assert record_import.status == "done", record_import.error
    assert Record.objects.get(position=2).title == "note 2"


def test_an_outsider_gets_404_and_a_reviewer_403(team, client_for, waiting):
    record_import = waiting(_csv(), "search.csv")
    assert client_for(team.outsider).get(_url(team, record_import)).status_code == 404
    assert client_for(team.rev1).get(_url(team, record_import)).status_code == 403
