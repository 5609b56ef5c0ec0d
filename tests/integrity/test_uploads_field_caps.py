"""Per-field caps: an over-long title or abstract is cut, flagged on the record and reported."""

import pytest
from django.test import override_settings
from django.urls import reverse

from review.importers import parse_file
from review.importers.caps import CAPPABLE, ERR_UNKNOWN_FIELD
from review.models import AuditEvent, Record
from review.models.imports import ImportStatus
from review.services.imports import import_records

from . import uploads_samples as samples

pytestmark = pytest.mark.django_db
LONG_TITLE = "T" * 5_000
LONG_ABSTRACT = "A" * 120_000


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_default_caps_are_4000_title_and_100000_abstract_characters(settings):
    assert settings.CONCORD_IMPORT_FIELD_CAPS["title"] == 4_000
    assert settings.CONCORD_IMPORT_FIELD_CAPS["abstract"] == 100_000


def test_long_title_and_abstract_are_truncated_flagged_and_reported(team, source):
    data = samples.ris(1, title=LONG_TITLE, abstract=LONG_ABSTRACT) + samples.ris(1, title="Short {i}")
    record_import = import_records(review=team.review, source=source, filename="long.ris", data=data, actor=team.lead)
    assert record_import.status == ImportStatus.DONE, record_import.error
    long, short = Record.objects.order_by("position")
    assert long.title == "T" * 4_000
    assert long.abstract == "A" * 100_000
    assert long.truncated_fields == {"title": 5_000, "abstract": 120_000}
    assert short.truncated_fields == {}
    assert record_import.truncated == [
        {"record": 1, "line": 1, "field": "title", "length": 5_000, "limit": 4_000},
        {"record": 1, "line": 1, "field": "abstract", "length": 120_000, "limit": 100_000},
    ]
    event = AuditEvent.objects.get(review=team.review, action="import.completed")
    assert event.new_value["truncated"] == 2


def test_record_page_and_import_report_say_what_was_cut(client_for, team, source):
    data = samples.ris(1, title=LONG_TITLE, abstract=LONG_ABSTRACT)
    record_import = import_records(review=team.review, source=source, filename="long.ris", data=data, actor=team.lead)
    record = Record.objects.get()
    client = client_for(team.rev1)
    page = client.get(reverse("review:record_detail", args=[team.review.slug, record.pk])).content.decode()
    assert "Title truncated from 5,000 characters at import." in page
    assert "Abstract truncated from 120,000 characters at import." in page
    report = client.get(reverse("review:import_detail", args=[team.review.slug, record_import.pk])).content.decode()
    assert "Fields truncated at import (2)" in report
    assert "Title truncated from 5,000 characters at import (kept 4,000)." in report
    assert "Abstract truncated from 120,000 characters at import (kept 100,000)." in report
    listing = client.get(reverse("review:records", args=[team.review.slug])).content.decode()
    assert "(truncated at import)" in listing


def test_untruncated_import_shows_no_truncation(client_for, team, source):
    record_import = import_records(review=team.review, source=source, filename="ok.ris", data=samples.ris(3),
                                   actor=team.lead)
    assert record_import.truncated == []
    record = Record.objects.first()
    page = client_for(team.lead).get(reverse("review:record_detail", args=[team.review.slug, record.pk]))
    assert "truncated" not in page.content.decode()


@override_settings(CONCORD_IMPORT_FIELD_CAPS={"title": 10, "authors": 2})
def test_caps_apply_to_tabular_files_and_to_lists(team, source):
    data = b'Title,Authors,Year\n"A title longer than ten","Ann A; Bob B; Cy C",2020\n'
    record_import = import_records(review=team.review, source=source, filename="x.csv", data=data, actor=team.lead)
    record = Record.objects.get()
    assert record.title == "A title lo"
    assert len(record.authors) == 2
    assert record.truncated_fields == {"title": 23, "authors": 3}
    assert [t["field"] for t in record_import.truncated] == ["title", "authors"]


@override_settings(CONCORD_IMPORT_FIELD_CAPS={"title": 10})
def test_record_skipped_for_its_doi_is_not_listed_as_truncated(team, source):
    data = (
        b"TY  - JOUR\nTI  - A title longer than ten\nDO  - 10.1000/" + b"x" * 400 + b"\nER  - \n"
        + samples.ris(1)
    )
    record_import = import_records(review=team.review, source=source, filename="x.ris", data=data,
                                   actor=team.lead, skip_bad=True)
    assert record_import.record_count == 1
    assert [s["record"] for s in record_import.skipped] == [1]
    assert record_import.truncated == []


def test_an_unknown_capped_field_is_a_configuration_error():
    with pytest.raises(ValueError) as refused:
        parse_file(samples.ris(1), filename="x.ris", field_caps={"doi": 5})
    assert str(refused.value) == ERR_UNKNOWN_FIELD.format(names="doi", allowed=", ".join(sorted(CAPPABLE)))
