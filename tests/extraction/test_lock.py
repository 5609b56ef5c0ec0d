"""The consensus lock tried against every mutation path: the locked fingerprint never changes."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from extraction.models import Consensus, Discrepancy, Extraction, FormVersion, LockedError
from extraction.models.consensus import LOCKED
from extraction.models.forms import FormInUseError
from extraction.models.work import SubmittedError
from extraction.selectors import locked_consensus
from extraction.services import forms, reconciliation

from .conftest import SCHEMA

pytestmark = pytest.mark.django_db


@pytest.fixture
def before(team, locked):
    """The locked fingerprint; after the test it must be the same and the value intact."""
    fingerprint = locked_consensus(team.review).fingerprint
    yield fingerprint
    assert locked_consensus(team.review).fingerprint == fingerprint
    assert Consensus.objects.get().data["dose@IVIg"] == "2"
    assert Consensus.objects.get().is_locked


def test_service_resolution_is_refused(team, locked, before):
    item = locked.discrepancies.get()
    with pytest.raises(ValidationError) as exc:
        reconciliation.discrepancy_resolve(discrepancy=item, choice="b", actor=team.lead, reason="r",
                                           expected_version=locked.version)
    assert exc.value.messages == [LOCKED]


def test_service_value_correction_is_refused(team, locked, before):
    with pytest.raises(ValidationError):
        reconciliation.consensus_value_set(consensus=locked, key="country", raw="Japan", actor=team.lead,
                                           reason="r", expected_version=locked.version)


def test_model_save_is_refused(locked, before):
    locked.data = {**locked.data, "dose@IVIg": "9"}
    with pytest.raises(LockedError):
        locked.save()


def test_model_save_moving_it_to_another_form_is_refused(team, locked, before):
    other = FormVersion.objects.create(review=team.review, number=7, schema=SCHEMA)
    locked.form_version = other
    with pytest.raises(LockedError):
        locked.save()


def test_queryset_update_is_refused(locked, before):
    with pytest.raises(LockedError):
        Consensus.objects.filter(pk=locked.pk).update(data={})


def test_queryset_and_model_delete_are_refused(locked, before):
    with pytest.raises(LockedError):
        Consensus.objects.all().delete()
    with pytest.raises(LockedError):
        locked.delete()


def test_discrepancy_save_update_and_delete_are_refused(locked, before):
    item = Discrepancy.objects.get()
    item.value = "9"
    with pytest.raises(LockedError):
        item.save()
    with pytest.raises(LockedError):
        Discrepancy.objects.update(value="9")
    with pytest.raises(LockedError):
        item.delete()
    with pytest.raises(LockedError):
        Discrepancy.objects.create(consensus=locked, key="country", value_a="x", value_b="y")


def test_raw_sql_update_is_refused_by_the_database(locked, before):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE extraction_consensus SET data = %s WHERE id = %s", ['{"dose@IVIg": "9"}', locked.pk])


def test_raw_sql_discrepancy_update_and_insert_are_refused_by_the_database(locked, before):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE extraction_discrepancy SET value = %s", ['"9"'])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO extraction_discrepancy (consensus_id, key, value_a, value_b, choice, reason) "
            "VALUES (%s, 'x', NULL, NULL, '', '')", [locked.pk])


def test_the_trigger_guards_the_whole_row_not_only_the_values(locked, before):
    # Only the unlock transition, recorded in the lock ledger first, may touch a locked row;
    # even the version counter stays as it is.
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE extraction_consensus SET version = version + 1 WHERE id = %s", [locked.pk])


def test_admin_cannot_change_or_delete_locked_consensus(client, django_user_model, locked, before):
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    url = f"/admin/extraction/consensus/{locked.pk}/change/"
    response = client.post(url, {"study": locked.study_id, "kind": "extraction", "data": '{"dose@IVIg": "9"}',
                                 "agreed_keys": "[]", "status": "locked", "version": 99,
                                 "fingerprint": locked.fingerprint})
    assert response.status_code == 403
    assert client.post(f"/admin/extraction/consensus/{locked.pk}/delete/", {"post": "yes"}).status_code == 403
    item = Discrepancy.objects.get()
    assert client.post(f"/admin/extraction/discrepancy/{item.pk}/change/", {"value": '"9"'}).status_code == 403
    assert client.get(url).status_code == 200  # still readable


def test_submitted_extractions_behind_it_cannot_change(team, locked, before):
    extraction = Extraction.objects.get(user=team.rev1)
    extraction.data = {"dose@IVIg": "9"}
    with pytest.raises(SubmittedError):
        extraction.save()


def test_raw_sql_cannot_rewrite_the_submitted_extractions_behind_it(team, locked, before):
    extraction = Extraction.objects.get(user=team.rev1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE extraction_extraction SET data = %s WHERE id = %s", ['{}', extraction.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE extraction_extraction SET status = 'draft' WHERE id = %s", [extraction.pk])
    extraction.refresh_from_db()
    assert extraction.data["dose@IVIg"] == "2"


def test_its_form_version_cannot_be_rewritten(team, locked, before):
    version = locked.form_version
    version.schema = {**SCHEMA, "arms": ["X", "Y"]}
    with pytest.raises(FormInUseError):
        version.save()
    # Publishing a change makes a new version instead; the locked consensus keeps version 1.
    assert forms.form_publish(review=team.review, schema={**SCHEMA, "arms": ["X", "Y"]}, actor=team.lead).number == 2


def test_management_commands_leave_it_alone(team, locked, before, tmp_path):
    call_command("lock_status", team.review.slug)
    call_command("export_extraction", team.review.slug, "--out", str(tmp_path))
    call_command("load_extraction_template", team.review.slug)


def test_lock_status_detects_data_changed_behind_the_triggers(team, locked, before):
    from django.core.management import CommandError

    from extraction import lock_triggers
    from extraction.ledger import DATA_CHANGED
    from extraction.selectors import fingerprint_mismatches

    assert fingerprint_mismatches(team.review) == []
    # Simulate a superuser: the triggers dropped, the data rewritten together with the
    # fingerprint column beside it. The ledger still holds the fingerprint taken at the lock.
    stored = (locked.data, locked.fingerprint)
    with connection.cursor() as cursor:
        lock_triggers.execute(connection, lock_triggers.drop(connection.vendor))
        cursor.execute("UPDATE extraction_consensus SET data = %s, fingerprint = %s WHERE id = %s",
                       ['{"dose@IVIg": "9"}', "0" * 64, locked.pk])
    try:
        assert fingerprint_mismatches(team.review) == [f"Lim 2020 (extraction): {DATA_CHANGED}"]
        with pytest.raises(CommandError):
            call_command("lock_status", team.review.slug)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE extraction_consensus SET data = %s, fingerprint = %s WHERE id = %s",
                           [json.dumps(stored[0]), stored[1], locked.pk])
        lock_triggers.execute(connection, lock_triggers.create(connection.vendor))
