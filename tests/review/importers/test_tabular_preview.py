"""The column-mapping page's preview and its "(automatic)" picks, as pure functions:
preview_rows reads only the header and the first rows; automatic_picks names the columns
the import itself reads."""

from __future__ import annotations

import codecs
import io
from pathlib import Path

import pytest

from review.importers import ImportFileError, automatic_picks, csv_headers, parse_file, preview_rows
from review.importers.tabular import PREVIEW_CELL_CHARS, PREVIEW_ELLIPSIS

from .test_importers_api import _xlsx

FILES = Path(__file__).resolve().parent / "files"

HOSTILE = (
    "Title,Abstract,Year\n"
    '"A trial","<script>alert(1)</script>",2020\n'
    '"=cmd|\' /C calc\'!A0","+SUM(1,2)",2021\n'
)




def _csv(rows: int, delimiter: str = ",") -> bytes:
    lines = [delimiter.join(["Title", "Year", "Authors"])]
    lines += [delimiter.join([f"Study {i}", str(2000 + i), f"Author {i}"]) for i in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


def test_five_rows_of_a_csv_under_its_headers():
    assert preview_rows(_csv(12)) == [[f"Study {i}", str(2000 + i), f"Author {i}"] for i in range(1, 6)]
    assert len(preview_rows(_csv(12), 2)) == 2


def test_a_tsv_is_split_on_tabs():
    assert preview_rows(_csv(6, "\t"))[0] == ["Study 1", "2001", "Author 1"]
    shipped = preview_rows((FILES / "generic.tsv").read_bytes())
    assert shipped[0] == ["IVIg and quality of life", "Quality of life improved.", "Meyer, Hans", "2021"]


def test_an_xlsx_sheet_with_numbers_and_dates():
    import datetime as dt

    data = _xlsx([["Title", "Year", "Published"]] + [[f"Study {i}", 2000 + i, dt.date(2020, 1, i)] for i in range(1, 9)])
    rows = preview_rows(data)
    assert len(rows) == 5
    assert rows[0] == ["Study 1", "2001", "2020-01-01T00:00:00"]


def test_a_quoted_cell_over_several_lines_stays_one_cell_of_one_row():
    data = b'Title,Abstract\r\n"Trial one","First line\r\nsecond line\r\n\r\nthird"\r\n"Trial two",short\r\n'
    assert preview_rows(data) == [["Trial one", "First line second line third"], ["Trial two", "short"]]


@pytest.mark.parametrize("bom, encoding", [(codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le")])
def test_a_byte_order_mark_is_not_part_of_the_first_header(bom, encoding):
    data = bom + "Title;Année\nÉtude française;2019\n".encode(encoding)
    assert csv_headers(data) == ["Title", "Année"]
    assert preview_rows(data) == [["Étude française", "2019"]]


def test_a_short_file_gives_the_rows_it_has_and_blank_lines_are_skipped():
    assert preview_rows(b"Title,Year\n\nOnly study,2001\n\n") == [["Only study", "2001"]]
    assert preview_rows(b"Title,Year\n") == []
    assert preview_rows(_xlsx([["Title"], ["One"], [None], ["Two"]])) == [["One"], ["Two"]]


def test_ragged_rows_get_one_cell_per_header():
    assert preview_rows(b"Title,Year,DOI\nShort row\nLong row,2001,10.1/x,extra,more\n") == [
        ["Short row", "", ""],
        ["Long row", "2001", "10.1/x"],
    ]


def test_hostile_cells_are_kept_as_text_for_the_template_to_escape():
    rows = preview_rows(HOSTILE.encode())
    assert rows[0][1] == "<script>alert(1)</script>"
    assert rows[1][:2] == ["=cmd|' /C calc'!A0", "+SUM(1,2)"]


def test_a_long_cell_is_cut_to_the_preview_width_with_an_ellipsis():
    abstract = "word " * 4000
    (cell,) = preview_rows(f"Abstract\n{abstract}\n".encode())[0]
    assert len(cell) == PREVIEW_CELL_CHARS and cell.endswith(PREVIEW_ELLIPSIS)
    assert preview_rows(f"Abstract\n{abstract}\n".encode(), width=12) == [["word word w" + PREVIEW_ELLIPSIS]]


def test_only_the_rows_shown_are_decoded_and_parsed():
    # A UTF-16 file whose last bytes are a broken character: the import decodes it all and
    # refuses it; the preview stops long before.
    text = "Title,Year\n" + "".join(f"Study {i},2001\n" for i in range(20_000))
    data = codecs.BOM_UTF16_LE + text.encode("utf-16-le") + b"\x00\xd8"
    with pytest.raises(ImportFileError, match="not valid utf-16-le"):
        parse_file(data, filename="broken.csv")
    assert preview_rows(data)[4] == ["Study 4", "2001"]


def test_a_zipped_or_gzipped_table_is_previewed_as_the_import_unpacks_it():
    import gzip
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("export.csv", _csv(3))
    for data in (buffer.getvalue(), gzip.compress(_csv(3))):
        assert csv_headers(data) == ["Title", "Year", "Authors"]
        assert preview_rows(data)[2] == ["Study 3", "2003", "Author 3"]


def test_an_unreadable_file_raises_naming_the_file():
    with pytest.raises(ImportFileError) as caught:
        preview_rows(b"", filename="empty.csv")
    assert caught.value.filename == "empty.csv"


def test_automatic_picks_name_the_columns_of_a_scopus_export():
    picks = automatic_picks(csv_headers((FILES / "scopus.csv").read_bytes()))
    assert picks["title"] == [("Title",)]
    assert picks["authors"] == [("Author full names",), ("Authors",)]
    assert picks["pages"] == [("Page start", "Page end")]
    assert picks["keywords"] == [("Author Keywords", "Index Keywords")]


def test_automatic_picks_include_the_embase_source_fallback():
    picks = automatic_picks(csv_headers((FILES / "embase.csv").read_bytes()))
    assert picks["journal"] == [("Source",)] and picks["year"] == [("Source",)]
    assert picks["doi"] == [("Open URL Link",)]


def test_automatic_picks_say_nothing_found_for_unknown_columns():
    picks = automatic_picks(csv_headers((FILES / "custom_columns.csv").read_bytes()))
    assert picks["title"] == [] and all(not alternatives for alternatives in picks.values())


def test_the_picked_title_column_is_the_one_the_import_reads():
    # Two title-like columns: the pick must be the one the import prefers, not the first.
    data = b"Article Title,Document Title,Year\nFrom article title,From document title,2020\n"
    picks = automatic_picks(csv_headers(data))
    assert picks["title"] == [("Document Title",), ("Article Title",)]
    assert parse_file(data, filename="t.csv").records[0].title == "From document title"
