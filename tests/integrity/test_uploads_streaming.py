"""CONCORD_MAX_IMPORT_BYTES is enforced while the upload streams: stopped at the cap, nothing kept."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from review.importers.compressed import ERR_TOO_BIG
from review.models import Record, RecordImport
from review.models.imports import ImportStatus
from review.services.imports import TOO_LARGE, import_records
from review.upload_limits import FILE_TOO_LARGE, ImportSizeLimitHandler, file_too_large_message

from . import uploads_samples as samples

pytestmark = pytest.mark.django_db
MIB = 1024 * 1024
CHUNK = ImportSizeLimitHandler.chunk_size


@pytest.fixture
def dirs(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "upload-tmp").mkdir()
    return tmp_path


def _files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []


def _oversized_ris(size: int) -> bytes:
    record = samples.ris(1)
    return record * (size // len(record) + 1)


@pytest.fixture
def csrf_client(team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.lead)
    return client


def _token(client, slug):
    client.get(reverse("review:import_new", args=[slug]))
    return client.cookies["csrftoken"].value


@override_settings(CONCORD_MAX_IMPORT_BYTES=1 * MIB, FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_upload_over_the_byte_cap_is_stopped_while_streaming(csrf_client, team, source, dirs):
    token = _token(csrf_client, team.review.slug)
    response = csrf_client.post(reverse("review:import_new", args=[team.review.slug]), {
        "csrfmiddlewaretoken": token,
        "source": source.pk,
        "file": SimpleUploadedFile("big.ris", _oversized_ris(2 * MIB)),
    })
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file is larger than the 1 MiB limit (CONCORD_MAX_IMPORT_BYTES)."
    ]
    assert "This file is larger than the 1 MiB limit (CONCORD_MAX_IMPORT_BYTES)." in response.content.decode()
    handler = response.wsgi_request.upload_handlers[0]
    assert isinstance(handler, ImportSizeLimitHandler)
    # Stopped at the chunk that passed the cap, not after the 2 MiB file was stored.
    assert handler.exceeded
    assert 1 * MIB < handler.received <= 1 * MIB + CHUNK
    assert _files_under(dirs / "upload-tmp") == []
    assert _files_under(dirs / "media") == []
    assert RecordImport.objects.count() == 0
    assert Record.objects.count() == 0


@override_settings(CONCORD_MAX_IMPORT_BYTES=1 * MIB, FILE_UPLOAD_MAX_MEMORY_SIZE=64 * 1024)
def test_upload_under_the_byte_cap_goes_through_a_temporary_file_and_imports(
    csrf_client, team, source, dirs, django_capture_on_commit_callbacks
):
    data = samples.ris(4000)
    assert 64 * 1024 < len(data) < 1 * MIB
    token = _token(csrf_client, team.review.slug)
    with django_capture_on_commit_callbacks(execute=True):
        response = csrf_client.post(reverse("review:import_new", args=[team.review.slug]), {
            "csrfmiddlewaretoken": token, "source": source.pk, "file": SimpleUploadedFile("ok.ris", data),
        })
    assert response.status_code == 302
    handler = response.wsgi_request.upload_handlers[0]
    assert handler.received == len(data) and not handler.exceeded
    record_import = RecordImport.objects.get()
    assert record_import.status == ImportStatus.DONE
    assert record_import.record_count == 4000
    assert _files_under(dirs / "upload-tmp") == []


def test_upload_without_a_csrf_token_is_still_refused(csrf_client, team, source, dirs):
    response = csrf_client.post(reverse("review:import_new", args=[team.review.slug]), {
        "source": source.pk, "file": SimpleUploadedFile("ok.ris", samples.ris(3)),
    })
    assert response.status_code == 403
    assert RecordImport.objects.count() == 0


def test_size_limit_handler_is_installed_for_the_import_page_only(client_for, team, source):
    client = client_for(team.lead)
    response = client.get(reverse("review:import_new", args=[team.review.slug]))
    assert isinstance(response.wsgi_request.upload_handlers[0], ImportSizeLimitHandler)
    other = client.get(reverse("review:records", args=[team.review.slug]))
    assert not any(isinstance(h, ImportSizeLimitHandler) for h in other.wsgi_request.upload_handlers)


def test_default_message_names_the_200_mib_cap_and_its_setting(settings):
    assert settings.CONCORD_MAX_IMPORT_BYTES == 200 * MIB
    assert file_too_large_message() == "This file is larger than the 200 MiB limit (CONCORD_MAX_IMPORT_BYTES)."
    assert FILE_TOO_LARGE.format(limit="200 MiB") == file_too_large_message()


def test_django_upload_memory_limits_are_set(settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 5 * MIB
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 5000
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10


def test_handler_counts_the_files_of_a_request_together():
    handler = ImportSizeLimitHandler(RequestFactory().post("/"), limit=10)
    handler.new_file("file", "a.ris", "text/plain", None)
    assert handler.receive_data_chunk(b"12345678", 0) == b"12345678"
    handler.new_file("file", "b.ris", "text/plain", None)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"12345678", 0)
    assert handler.exceeded and handler.received == 16


@pytest.mark.parametrize("name,wrap", [
    ("big.ris.gz", samples.gz),
    ("big.zip", lambda data: samples.zipped("big.ris", data)),
])
@override_settings(CONCORD_MAX_IMPORT_BYTES=1 * MIB)
def test_compressed_file_expanding_past_the_byte_cap_is_refused(team, source, dirs, name, wrap):
    packed = wrap(_oversized_ris(2 * MIB))
    assert len(packed) < 1 * MIB
    record_import = import_records(review=team.review, source=source, filename=name, data=packed, actor=team.lead)
    cap = min(1 * MIB, len(packed) * 100)
    assert record_import.status == ImportStatus.FAILED
    assert record_import.error == f"{name}: " + ERR_TOO_BIG.format(limit=cap)
    assert Record.objects.count() == 0


@override_settings(CONCORD_MAX_IMPORT_BYTES=1 * MIB)
def test_import_command_refuses_an_oversized_file_before_reading_it(team, source, tmp_path):
    path = tmp_path / "big.ris"
    path.write_bytes(_oversized_ris(1 * MIB + 1))
    with pytest.raises(CommandError) as refused:
        call_command("import_records", team.review.slug, str(path), "--source", "PubMed", "--no-progress")
    size = path.stat().st_size
    assert str(refused.value) == TOO_LARGE.format(filename="big.ris", size=size, limit=1 * MIB)
    assert RecordImport.objects.count() == 0
