"""Hostile files through the whole import path: a clear refusal or a safe import, never partial rows."""

import gzip
import io
import zipfile

import pytest

from review.models import Record
from review.models.imports import ImportStatus
from review.services.imports import import_records

pytestmark = pytest.mark.django_db

RIS_OK = b"TY  - JOUR\nTI  - Fine\nER  - \n"


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * 300_000_000)
    return buffer.getvalue()


HOSTILE = {
    "binary.ris": bytes(range(256)) * 40,
    "billion_laughs.xml": (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
        b"<xml><records><record><titles><title>&lol2;</title></titles></record></records></xml>"
    ),
    "external_entity.xml": (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<xml><records><record><titles><title>&e;</title></titles></record></records></xml>"
    ),
    # Built when the test runs, not at collection: each takes a second to compress.
    "gzip_bomb.ris.gz": lambda: gzip.compress(RIS_OK + b"N1  - " + b"0" * 250_000_000 + b"\n", 1),
    "zip_bomb.xlsx": _zip_bomb,
    "no_records.ris": b"just some text\nwith no tags at all\n",
    "nul_bytes.ris": RIS_OK + b"\x00" * 1000,
    "truncated.ris": RIS_OK + b"TY  - JOUR\nTI  - cut off mid",
    "whitespace.ris": b"   \n\n\t\n",
    "half_xml.xml": b"<?xml version='1.0'?><xml><records><record><titles><title>Half",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_is_refused_cleanly_or_imported_safely(team, source, name):
    data = HOSTILE[name]() if callable(HOSTILE[name]) else HOSTILE[name]
    record_import = import_records(review=team.review, source=source, filename=name, data=data, actor=team.lead)
    if record_import.status == ImportStatus.FAILED:
        assert record_import.error.startswith(name)
        assert Record.objects.count() == 0
        assert not record_import.upload
    else:
        assert record_import.status == ImportStatus.DONE
        assert Record.objects.count() == record_import.record_count
    assert "passwd" not in "".join(Record.objects.values_list("title", flat=True))
    assert "root:" not in "".join(Record.objects.values_list("raw", flat=True))
