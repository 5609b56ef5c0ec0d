"""Every attack on locked consensus, as an attacker with the code in hand would try it.

Each one is refused (by Python with a clear message, or by the database's triggers) and the
analysis computes what it did before; or, where a database superuser goes around the
triggers, the lock ledger detects it and the analysis refuses to run, naming the study.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError
from django.utils.html import escape

from extraction.ledger import DATA_CHANGED, GONE, LOCKED_WITHOUT_LEDGER, OPENED_WITHOUT_UNLOCK
from extraction.models import Consensus, Discrepancy, FormVersion, LockedError
from extraction.models.consensus import HOLDS_LOCKED, LOCK_UNAUDITED, LOCKED, UNLOCK_UNAUDITED
from extraction.models.forms import FORM_LOCKED
from review.models import AuditEvent, Review, Study

from . import lock_helpers
from .lock_helpers import (
    altered,
    assert_refuses_to_run,
    assert_unchanged,
    dumps,
    json_param,
    recomputed_fingerprint,
    superuser,
)

# The shared fixtures, by assignment (an import would read as unused to the linter).
bcg, before, target = lock_helpers.bcg, lock_helpers.before, lock_helpers.target

pytestmark = pytest.mark.django_db


def _holds(consensus) -> str:
    return HOLDS_LOCKED.format(study=consensus.study.label, kind=consensus.kind)


def _refused_by_database(sql, params=()):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# The ORM ---------------------------------------------------------------------------------

def test_queryset_update_of_the_status_is_refused(bcg, target, before):
    with pytest.raises(LockedError) as exc:
        Consensus.objects.filter(pk=target.pk).update(status="open")
    assert str(exc.value) == UNLOCK_UNAUDITED
    with pytest.raises(LockedError) as exc:
        Consensus.objects.filter(pk=target.pk).update(data=altered(target))
    assert str(exc.value) == LOCKED
    assert_unchanged(bcg, before)


def test_save_that_opens_or_edits_is_refused(bcg, target, before):
    target.status = Consensus.OPEN
    with pytest.raises(LockedError) as exc:
        target.save()
    assert str(exc.value) == UNLOCK_UNAUDITED
    target.refresh_from_db()
    target.data = altered(target)
    with pytest.raises(LockedError) as exc:
        target.save()
    assert str(exc.value) == LOCKED
    assert_unchanged(bcg, before)


def test_base_manager_update_and_delete_are_refused(bcg, target, before):
    with pytest.raises(LockedError) as exc:
        Consensus._base_manager.filter(pk=target.pk).update(status="open")
    assert str(exc.value) == UNLOCK_UNAUDITED
    with pytest.raises(LockedError) as exc:
        Consensus._base_manager.filter(pk=target.pk).delete()
    assert str(exc.value) == _holds(target)
    with pytest.raises(LockedError):
        Discrepancy._base_manager.filter(consensus=target).delete()
    assert_unchanged(bcg, before)


def test_raw_delete_is_refused(bcg, target, before):
    with pytest.raises(LockedError) as exc:
        Consensus.objects.filter(pk=target.pk)._raw_delete(using="default")
    assert str(exc.value) == _holds(target)
    with pytest.raises(LockedError):
        Discrepancy.objects.filter(consensus=target)._raw_delete(using="default")
    assert_unchanged(bcg, before)


def test_bulk_update_and_bulk_create_are_refused(bcg, target, before):
    target.status = Consensus.OPEN
    target.data = altered(target)
    with pytest.raises(LockedError), transaction.atomic():
        Consensus.objects.bulk_update([target], ["status", "data"])
    copy = Consensus(study=target.study, kind="appraisal", data={}, status=Consensus.LOCKED,
                     fingerprint="f" * 64)
    with pytest.raises(LockedError) as exc, transaction.atomic():
        Consensus.objects.bulk_create([copy])
    assert str(exc.value) == LOCK_UNAUDITED
    assert_unchanged(bcg, before)


def test_deleting_the_study_names_it_and_the_unlock_path(bcg, target, before):
    with pytest.raises(LockedError) as exc, transaction.atomic():
        target.study.delete()
    assert str(exc.value) == _holds(target)
    assert "Extraction > Reconcile" in str(exc.value)
    with pytest.raises(LockedError), transaction.atomic():
        Study.objects.filter(pk=target.study_id).delete()
    assert_unchanged(bcg, before)


def test_deleting_the_review_is_refused(bcg, before):
    with pytest.raises(LockedError) as exc, transaction.atomic():
        Review.objects.get(pk=bcg.review_id).delete()
    first = Consensus.objects.filter(status="locked").order_by("study__label", "kind").first()
    assert str(exc.value) == _holds(first)
    assert_unchanged(bcg, before)


def test_form_version_update_and_delete_are_refused(bcg, target, before):
    form = target.form_version
    message = FORM_LOCKED.format(study=Consensus.objects.filter(
        form_version=form, status="locked").order_by("study__label").first().study.label)
    with pytest.raises(LockedError) as exc:
        FormVersion.objects.filter(pk=form.pk).update(schema={**form.schema, "arms": ["X", "Y"]})
    assert str(exc.value) == message
    form.number = 9
    with pytest.raises(LockedError):
        form.save()
    with pytest.raises(LockedError) as exc:
        form.delete()
    assert str(exc.value) == message
    # The queryset's delete stops at the PROTECT of the consensus that uses it, which it lists.
    with pytest.raises(ProtectedError):
        FormVersion.objects.filter(pk=form.pk).delete()
    assert_unchanged(bcg, before)


# Raw SQL ---------------------------------------------------------------------------------

def test_raw_update_of_status_or_data_is_refused(bcg, target, before):
    _refused_by_database("UPDATE extraction_consensus SET status = 'open' WHERE id = %s", [target.pk])
    _refused_by_database(f"UPDATE extraction_consensus SET data = {json_param()} WHERE id = %s",
                         [dumps(altered(target)), target.pk])
    assert_unchanged(bcg, before)


def test_raw_deletes_are_refused(bcg, target, before):
    _refused_by_database("DELETE FROM extraction_consensus WHERE id = %s", [target.pk])
    _refused_by_database("DELETE FROM extraction_discrepancy WHERE consensus_id = %s", [target.pk])
    _refused_by_database("DELETE FROM review_study WHERE id = %s", [target.study_id])
    _refused_by_database("DELETE FROM extraction_formversion WHERE id = %s", [target.form_version_id])
    _refused_by_database("UPDATE review_study SET review_id = NULL WHERE id = %s", [target.study_id])
    assert_unchanged(bcg, before)


def test_raw_form_version_schema_rewrite_is_refused(bcg, target, before):
    _refused_by_database(f"UPDATE extraction_formversion SET schema = {json_param()} WHERE id = %s",
                         [dumps({"arms": [], "timepoints": [], "sections": [], "outcomes": []}),
                          target.form_version_id])
    assert_unchanged(bcg, before)


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("table", ["extraction_consensus", "review_study", "extraction_formversion",
                                   "extraction_discrepancy"])
def test_truncate_is_refused(bcg, before, table):
    _refused_by_database(f"TRUNCATE {table} CASCADE")
    assert_unchanged(bcg, before)


def test_an_unlock_event_by_a_non_lead_does_not_open_it(team, bcg, target, before):
    # A forged ledger event: a reviewer "unlocks", with a reason; the trigger wants a lead.
    AuditEvent.objects.create(review=team.review, at=target.locked_at, actor=team.rev1,
                              actor_username=team.rev1.username, action="extraction.consensus_unlocked",
                              object_type="extraction.consensus", object_id=str(target.pk), reason="I want to")
    _refused_by_database("UPDATE extraction_consensus SET status = 'open', locked_at = NULL WHERE id = %s",
                         [target.pk])


# Around the triggers: what a database superuser can still do is detected -------------------

def test_delete_and_reinsert_with_a_recomputed_fingerprint_is_detected(bcg, target, before):
    data = altered(target)
    label = target.study.label
    columns = "study_id, kind, form_version_id, instrument, agreed_keys, version, locked_at, locked_by_id, created_at"
    with superuser() as cursor:
        cursor.execute(f"SELECT {columns} FROM extraction_consensus WHERE id = %s", [target.pk])
        row = list(cursor.fetchone())
        cursor.execute("DELETE FROM extraction_discrepancy WHERE consensus_id = %s", [target.pk])
        cursor.execute("DELETE FROM extraction_consensus WHERE id = %s", [target.pk])
        cursor.execute(
            f"INSERT INTO extraction_consensus ({columns}, data, status, fingerprint) VALUES "
            f"(%s, %s, %s, %s, {json_param()}, %s, %s, %s, %s, {json_param()}, 'locked', %s)",
            [*row[:4], row[4] if isinstance(row[4], str) else dumps(row[4]), *row[5:], dumps(data),
             recomputed_fingerprint(target, data)])
    assert_refuses_to_run(bcg, f"{label} (extraction): {GONE}", f"{label} (extraction): {LOCKED_WITHOUT_LEDGER}")
    with pytest.raises(CommandError) as exc:
        call_command("lock_status", bcg.review.slug)
    assert label in str(exc.value)


def test_relock_without_an_unlock_event_is_detected(bcg, target, before):
    data = altered(target)
    with superuser() as cursor:
        cursor.execute("UPDATE extraction_consensus SET status = 'open' WHERE id = %s", [target.pk])
        cursor.execute(f"UPDATE extraction_consensus SET data = {json_param()} WHERE id = %s", [dumps(data), target.pk])
        cursor.execute("UPDATE extraction_consensus SET status = 'locked', fingerprint = %s WHERE id = %s",
                       [recomputed_fingerprint(target, data), target.pk])
    assert_refuses_to_run(bcg, f"{target.study.label} (extraction): {DATA_CHANGED}")


def test_a_silent_unlock_is_detected(bcg, target, before):
    with superuser() as cursor:
        cursor.execute("UPDATE extraction_consensus SET status = 'open', locked_at = NULL WHERE id = %s",
                       [target.pk])
    assert_refuses_to_run(bcg, f"{target.study.label} (extraction): {OPENED_WITHOUT_UNLOCK}")


def test_a_deleted_study_is_tampering_not_a_vanished_row(bcg, target, before):
    label = target.study.label
    with superuser() as cursor:
        for sql in ["DELETE FROM extraction_discrepancy WHERE consensus_id IN "
                    "(SELECT id FROM extraction_consensus WHERE study_id = %s)",
                    "DELETE FROM extraction_consensus WHERE study_id = %s",
                    "DELETE FROM extraction_extraction WHERE study_id = %s",
                    "DELETE FROM extraction_assignment WHERE study_id = %s",
                    "DELETE FROM extraction_appraisalplan WHERE study_id = %s",
                    "DELETE FROM review_study WHERE id = %s"]:
            cursor.execute(sql, [target.study_id])
    assert_refuses_to_run(bcg, f"{label} (appraisal): {GONE}", f"{label} (extraction): {GONE}")


def test_the_analysis_pages_name_the_tampered_study(team, bcg, target, client_for):
    with superuser() as cursor:
        cursor.execute("UPDATE extraction_consensus SET status = 'open', locked_at = NULL WHERE id = %s",
                       [target.pk])
    client = client_for(team.lead)
    problem = f"{target.study.label} (extraction): {OPENED_WITHOUT_UNLOCK}"
    for url in [f"/reviews/{team.review.slug}/analysis/", f"/reviews/{team.review.slug}/analysis/{bcg.pk}/"]:
        assert escape(problem) in client.get(url).content.decode()
    response = client.post(f"/reviews/{team.review.slug}/analysis/{bcg.pk}/run/", follow=True)
    assert escape(problem) in response.content.decode()
    assert bcg.runs.count() == 1


def test_the_legitimate_path_still_works(team, bcg, target, before):
    from extraction.services.consensus import consensus_lock, consensus_unlock
    from extraction.services.reconciliation import consensus_value_set

    with pytest.raises(PermissionDenied):
        consensus_unlock(consensus=target, actor=team.rev1, reason="typo", expected_version=None)
    opened = consensus_unlock(consensus=target, actor=team.lead, reason="Cases miscounted in the paper's table 2",
                              expected_version=target.version)
    opened = consensus_value_set(consensus=opened, key="tb.events@BCG", raw="1", actor=team.lead,
                                 reason="Erratum", expected_version=opened.version)
    consensus_lock(consensus=opened, actor=team.lead, expected_version=opened.version)
    from extraction.selectors import locked_consensus

    from .lock_helpers import pooled_now

    assert locked_consensus(team.review).tampered == ()
    assert pooled_now(bcg)["pooled"] != before["pooled"]
    call_command("lock_status", team.review.slug)


def test_the_admin_cannot_change_or_delete_a_locked_consensus_form(client, django_user_model, bcg, target, before):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(root)
    url = f"/admin/extraction/formversion/{target.form_version_id}/"
    assert client.post(f"{url}change/", {"number": 9, "schema": "{}"}).status_code == 403
    assert client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{url}change/").status_code == 200  # still readable
    assert_unchanged(bcg, before)
