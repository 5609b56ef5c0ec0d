"""A record without a title is imported when anything else identifies it, flagged on the
record page, in the records list and in the import report; de-duplication only asks a
person about it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from review.dedup import DUPLICATE, MAYBE, find_duplicates
from review.importers import parse_file
from review.importers.records import ERR_NO_CONTENT
from review.models import Record, RecordImport

UNTITLED = b"TY  - JOUR\nAU  - Goswami, R. P.\nJO  - Ann Rheum Dis\nPY  - 2022\nVL  - 81\nSP  - 1523\nER  - \n"
TITLED = b"TY  - JOUR\nTI  - Intravenous immunoglobulin in myositis\nAU  - Lee, A.\nPY  - 2021\nER  - \n"
EMPTY = b"TY  - JOUR\nN1  - Reference Type: Journal Article\nER  - \n"


def test_a_record_with_authors_and_journal_but_no_title_is_imported():
    result = parse_file(TITLED + b"\n" + UNTITLED, filename="search.ris")
    assert [r.title for r in result.records] == ["Intravenous immunoglobulin in myositis", ""]
    assert result.records[1].journal == "Ann Rheum Dis" and not result.skipped


def test_a_table_row_with_pages_and_journal_but_no_title_is_imported():
    table = b"Title,Authors,Source title,Year,Volume,Page start\n,Goswami R,Ann Rheum Dis,2022,81,1523\n"
    result = parse_file(table, filename="scopus.csv")
    assert len(result.records) == 1 and result.records[0].title == ""


def test_a_record_with_nothing_bibliographic_is_left_out_and_listed_without_skip_bad():
    result = parse_file(TITLED + b"\n" + EMPTY, filename="search.ris")
    assert len(result.records) == 1
    assert [(p.position, p.reason) for p in result.skipped] == [(2, ERR_NO_CONTENT)]


def _rec(id, **fields):
    base = {"id": id, "title": "", "authors": ["Goswami, R. P.", "Sinha, D."], "year": 2022,
            "journal": "Rheumatology", "volume": "61", "issue": "3", "pages": "1200-8", "doi": "",
            "pmid": "", "abstract": "", "publication_type": "journal_article", "issn": ""}
    return {**base, **fields}


def _decision(result, a, b):
    return next((p.decision for p in result.pairs if {p.id_a, p.id_b} == {a, b}), "distinct")


def test_two_untitled_records_with_one_doi_are_asked_about_never_merged():
    result = find_duplicates([_rec(1, doi="10.1093/rheum/x1"), _rec(2, doi="10.1093/rheum/x1")])
    assert _decision(result, 1, 2) == MAYBE


def test_an_untitled_record_in_the_same_place_as_a_titled_one_is_asked_about():
    result = find_duplicates([_rec(1), _rec(2, title="IVIg in refractory myositis: a cohort")])
    assert _decision(result, 1, 2) != DUPLICATE


def test_the_flag_shows_in_the_list_the_record_page_and_the_import_report(
    client_for, team, source, django_capture_on_commit_callbacks
):
    client = client_for(team.lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("review:import_new", args=[team.review.slug]), {
            "source": source.pk, "file": SimpleUploadedFile("search.ris", TITLED + b"\n" + UNTITLED + b"\n" + EMPTY),
        })
    record_import = RecordImport.objects.get()
    assert record_import.record_count == 2
    untitled = Record.objects.get(title="")
    listing = client.get(reverse("review:records", args=[team.review.slug])).content.decode()
    assert '<span class="flag">no title</span> Ann Rheum Dis' in listing
    page = client.get(reverse("review:record_detail", args=[team.review.slug, untitled.pk])).content.decode()
    assert 'id="no-title"' in page
    report = client.get(reverse("review:import_detail", args=[team.review.slug, record_import.pk])).content.decode()
    assert "1 record of this file has no title" in report
    assert ERR_NO_CONTENT in report  # the empty record is listed as skipped
