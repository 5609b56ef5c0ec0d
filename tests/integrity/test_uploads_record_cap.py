"""CONCORD_MAX_IMPORT_RECORDS: a file with one record too many is refused whole, in every format."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from review.importers import ImportFileError, TooManyRecords, iter_file
from review.importers.base import line_starts
from review.models import Record
from review.models.imports import ImportStatus
from review.services.imports import import_records
from review.upload_limits import TOO_MANY_RECORDS

from . import uploads_samples as samples

pytestmark = pytest.mark.django_db
CAP = 50


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.mark.parametrize("family", sorted(samples.FAMILIES))
@override_settings(CONCORD_MAX_IMPORT_RECORDS=CAP)
def test_file_over_the_record_cap_is_refused_whole(team, source, family):
    filename, build = samples.FAMILIES[family]
    record_import = import_records(
        review=team.review, source=source, filename=filename, data=build(CAP + 1), actor=team.lead
    )
    assert record_import.status == ImportStatus.FAILED
    assert record_import.error == TOO_MANY_RECORDS.format(filename=filename, limit=CAP)
    assert Record.objects.count() == 0
    assert not record_import.upload


@pytest.mark.parametrize("family", sorted(samples.FAMILIES))
@override_settings(CONCORD_MAX_IMPORT_RECORDS=CAP)
def test_file_at_the_record_cap_imports(team, source, family):
    filename, build = samples.FAMILIES[family]
    record_import = import_records(
        review=team.review, source=source, filename=filename, data=build(CAP), actor=team.lead
    )
    assert record_import.status == ImportStatus.DONE, record_import.error
    assert record_import.record_count == Record.objects.count() == CAP


def test_record_cap_defaults_to_half_a_million(settings):
    assert settings.CONCORD_MAX_IMPORT_RECORDS == 500_000


@override_settings(CONCORD_MAX_IMPORT_RECORDS=CAP)
def test_record_cap_holds_through_the_upload_page(client_for, team, source, django_capture_on_commit_callbacks):
    client = client_for(team.lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:import_new", args=[team.review.slug]), {
            "source": source.pk, "file": SimpleUploadedFile("search.ris", samples.ris(CAP + 1)),
        })
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert TOO_MANY_RECORDS.format(filename="search.ris", limit=CAP) in page
    assert Record.objects.count() == 0


@override_settings(CONCORD_MAX_IMPORT_RECORDS=CAP)
def test_record_cap_holds_through_the_import_command(team, source, tmp_path):
    path = tmp_path / "export.xlsx"
    path.write_bytes(samples.xlsx(CAP + 1))
    with pytest.raises(CommandError) as refused:
        call_command("import_records", team.review.slug, str(path), "--source", "PubMed", "--no-progress")
    assert str(refused.value) == TOO_MANY_RECORDS.format(filename="export.xlsx", limit=CAP)
    assert Record.objects.count() == 0


@pytest.mark.parametrize("build", [samples.xlsx, samples.endnote_xml], ids=["xlsx", "endnote_xml"])
def test_reading_stops_at_the_first_record_past_the_cap(build):
    # The file is unreadable after record 60: only a parser that stops at record 51 refuses it
    # for its size rather than for the damage further on.
    data = build(200, broken_after=60)
    with pytest.raises(ImportFileError) as damaged:
        list(iter_file(data, filename="big"))
    assert not isinstance(damaged.value, TooManyRecords)
    with pytest.raises(TooManyRecords) as refused:
        iter_file(data, filename="big", max_records=CAP)
    assert refused.value.limit == CAP


def test_tagged_formats_stop_scanning_past_the_cap():
    data = samples.ris(200)
    assert len(line_starts(data, b"TY  -", CAP + 1)) == CAP + 1
    assert len(line_starts(data, b"TY  -")) == 200
