from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from review.models import AuditEvent, Record, RecordImport
from review.models.imports import ImportStatus
from review.services.imports import import_create, import_records

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def _import(team, source, name, **kwargs):
    data = (FILES / name).read_bytes()
    return import_records(review=team.review, source=source, filename=name, data=data, actor=team.lead, **kwargs)


def test_a_ris_file_lands_whole_with_normalised_fields(team, source):
    record_import = _import(team, source, "three.ris")
    assert record_import.status == ImportStatus.DONE and record_import.record_count == 3
    records = list(Record.objects.filter(record_import=record_import).order_by("position"))
    assert [r.position for r in records] == [1, 2, 3]
    assert records[0].authors[:2] == ["Dalakas, M. C.", "Illa, I."]
    assert records[0].year == 1993 and records[0].volume == "329"
    assert records[1].doi == "10.1093/rheumatology/keaa459"
    assert records[2].publication_type in {"conference_abstract", "conference_paper"}
    assert "TY  - JOUR" in records[0].raw
    event = AuditEvent.objects.get(action="import.completed")
    assert event.new_value["records"] == 3 and event.actor_username == "lena_lead"


def test_a_bad_record_fails_the_whole_file_and_nothing_is_written(team, source):
    record_import = _import(team, source, "truncated.ris")
    assert record_import.status == ImportStatus.FAILED
    assert "truncated.ris" in record_import.error
    assert Record.objects.count() == 0
    assert not record_import.upload
    assert AuditEvent.objects.filter(action="import.refused").count() == 1


def test_skip_bad_imports_the_good_records_and_reports_each_skipped_one(team, source):
    record_import = _import(team, source, "truncated.ris", skip_bad=True)
    assert record_import.status == ImportStatus.DONE
    assert record_import.record_count == 1
    assert len(record_import.skipped) == 1 and record_import.skipped[0]["record"] == 2


def test_the_same_file_is_not_imported_twice_into_one_source(team, source):
    _import(team, source, "three.ris")
    with pytest.raises(ValidationError) as exc:
        _import(team, source, "three.ris")
    assert "already imported" in exc.value.messages[0]
    assert Record.objects.count() == 3


def test_an_empty_upload_is_refused(team, source):
    with pytest.raises(ValidationError) as exc:
        import_create(review=team.review, source=source, filename="empty.ris", data=b"", actor=team.lead)
    assert exc.value.messages == ["empty.ris is empty."]
    assert RecordImport.objects.count() == 0


def test_an_oversize_upload_is_refused(team, source, settings):
    settings.CONCORD_MAX_IMPORT_BYTES = 100
    with pytest.raises(ValidationError) as exc:
        import_create(review=team.review, source=source, filename="big.ris", data=b"x" * 101, actor=team.lead)
    assert "largest file" in exc.value.messages[0]


@pytest.mark.django_db(transaction=True)
def test_queued_import_runs_in_the_database_worker(team, source, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from review.tasks import run_import

    data = (FILES / "three.ris").read_bytes()
    record_import = import_create(
        review=team.review, source=source, filename="three.ris", data=data, actor=team.lead
    )
    run_import.using(backend="default").enqueue(record_import.pk)
    assert RecordImport.objects.get(pk=record_import.pk).status == ImportStatus.PENDING
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    record_import.refresh_from_db()
    assert record_import.status == ImportStatus.DONE and record_import.record_count == 3


def test_a_running_import_reports_its_progress_from_outside_its_transaction(team, source):
    from review.services.imports import import_progress

    data = (FILES / "three.ris").read_bytes()
    seen = []
    record_import = import_create(review=team.review, source=source, filename="three.ris", data=data, actor=team.lead)

    def watch(done, total):
        seen.append(import_progress(record_import))

    from review.services.imports import import_run

    import_run(record_import=record_import, progress=watch)
    assert seen and seen[-1] == (3, 3)
    # Once finished, the numbers come from the import row again.
    record_import.refresh_from_db()
    assert import_progress(record_import) == (3, 3)


def test_an_over_long_doi_is_a_bad_record(team, source):
    bad = b"TY  - JOUR\nTI  - ok\nER  - \n\nTY  - JOUR\nTI  - long doi\nDO  - 10.1000/" + b"x" * 300 + b"\nER  - \n"
    record_import = import_records(review=team.review, source=source, filename="long.ris", data=bad, actor=team.lead)
    assert record_import.status == ImportStatus.FAILED
    assert record_import.error.startswith("long.ris, line 5 (record 2): doi is longer than 300")
    skipping = import_records(review=team.review, source=source, filename="long2.ris", data=bad + b"\n",
                              actor=team.lead, skip_bad=True)
    assert skipping.record_count == 1 and skipping.skipped[0]["record"] == 2
