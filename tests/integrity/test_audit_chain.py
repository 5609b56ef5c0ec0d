"""The audit log is hash-chained per review and append-only in the database: every ORM and
raw-SQL path that would change or remove an event is refused, and an edit made around the
triggers is named by ``audit_verify`` (the first broken event, and a non-zero exit)."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from review import audit_chain
from review.audit_chain import GENESIS, audit_chain_verify, event_hash
from review.maintenance import maintenance
from review.models import AuditChainHead, AuditEvent, Record
from review.models.audit import DELETE_REFUSED, HEAD_REFUSED, UPDATE_REFUSED, AppendOnlyError
from review.screening.services import decision_record
from review.services.audit import audit_many, audit_record
from review.services.imports import import_records
from review.services.reviews import user_create
from tests.conftest import REPO_ROOT
from tests.extraction.conftest import assigned, fill, form, locked, reconciled, study  # noqa: F401

pytestmark = pytest.mark.django_db

TRIGGERS = {
    "sqlite": (
        ["DROP TRIGGER review_auditevent_no_update", "DROP TRIGGER review_auditevent_no_delete",
         "DROP TRIGGER review_auditchainhead_no_delete"]
    ),
    "postgresql": (
        ["ALTER TABLE review_auditevent DISABLE TRIGGER USER",
         "ALTER TABLE review_auditchainhead DISABLE TRIGGER USER"]
    ),
}


def _sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _drop_triggers():
    """What a database owner can do; the test's transaction puts the triggers back."""
    for statement in TRIGGERS[connection.vendor]:
        _sql(statement)


def _verify_fails(review):
    verdict = audit_chain_verify(review)
    assert not verdict.intact
    with pytest.raises(CommandError) as info:
        call_command("audit_verify", review.slug)
    assert str(info.value) == verdict.message
    return verdict


def _events(review):
    return list(AuditEvent.objects.filter(review=review).order_by("id"))


@pytest.fixture
def worked(team, source, locked):  # noqa: F811
    """A review after an import, screening votes on both sides and a consensus lock."""
    data = (REPO_ROOT / "fixtures" / "samples" / "embase_sample.ris").read_bytes()
    import_records(review=team.review, source=source, filename="embase.ris", data=data, actor=team.lead)
    for record in Record.objects.filter(review=team.review).order_by("id")[:3]:
        decision_record(review=team.review, record=record, stage="title_abstract", reviewer=team.rev1, vote="include")
        decision_record(review=team.review, record=record, stage="title_abstract", reviewer=team.rev2, vote="exclude")
    return team.review


def test_a_whole_workflow_leaves_an_intact_chain_and_audit_verify_says_so(worked, capsys):
    events = _events(worked)
    assert {"import.completed", "screening.vote_cast", "conflict.opened"} <= {e.action for e in events}
    assert any(e.action.startswith("extraction.consensus_lock") for e in events)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    call_command("audit_verify", worked.slug)
    out = capsys.readouterr().out.strip()
    verdict = audit_chain_verify(worked)
    assert verdict.intact and verdict.count == len(events)
    assert out.startswith(f"Audit log intact: {len(events)} events, verified ")


def test_events_without_a_review_form_one_global_chain(team, capsys):
    user_create(username="newcomer", actor=team.lead)
    audit_record(action="account.login_failed", new={"username": "nobody"})
    events = list(AuditEvent.objects.filter(review=None).order_by("id"))
    assert [e.seq for e in events] == [1, 2] and events[1].prev_hash == events[0].hash
    assert audit_chain_verify(None).intact
    call_command("audit_verify", "--all")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{team.review.slug}: Audit log intact: ")
    assert lines[-1].startswith("(events without a review): Audit log intact: 2 events")


def test_a_batch_is_chained_in_order_and_numbers_survive_both_databases(team):
    before = AuditChainHead.objects.get(chain=team.review.pk).count
    audit_many([dict(action="duplicate.merged", review=team.review, new={"n": i, "score": i / 7, "big": 1e16,
                                                                          "tiny": 1.5e-7, "whole": 3.0})
                for i in range(2500)])
    head = AuditChainHead.objects.get(chain=team.review.pk)
    assert head.count == before + 2500
    last = AuditEvent.objects.filter(review=team.review).order_by("-id").first()
    assert (last.seq, last.hash, last.pk) == (head.count, head.last_hash, head.last_event_id)
    assert last.new_value["n"] == 2499
    assert audit_chain_verify(team.review).intact


def test_no_orm_path_changes_or_removes_an_event(team):
    event = AuditEvent.objects.filter(review=team.review).first()
    refused = [
        (UPDATE_REFUSED, lambda: AuditEvent.objects.filter(pk=event.pk).update(reason="x")),
        (UPDATE_REFUSED, lambda: AuditEvent._base_manager.filter(pk=event.pk).update(reason="x")),
        (UPDATE_REFUSED, lambda: AuditEvent.objects.bulk_update([event], ["reason"])),
        (UPDATE_REFUSED, lambda: AuditEvent._base_manager.update_or_create(pk=event.pk, defaults={"reason": "x"})),
        (UPDATE_REFUSED, lambda: event.save()),
        (DELETE_REFUSED, lambda: AuditEvent.objects.filter(pk=event.pk).delete()),
        (DELETE_REFUSED, lambda: AuditEvent._base_manager.filter(pk=event.pk).delete()),
        (DELETE_REFUSED, lambda: AuditEvent._base_manager.filter(pk=event.pk)._raw_delete(connection.alias)),
        (DELETE_REFUSED, lambda: event.delete()),
        (HEAD_REFUSED, lambda: AuditChainHead.objects.all().delete()),
        (HEAD_REFUSED, lambda: AuditChainHead._base_manager.all()._raw_delete(connection.alias)),
    ]
    for message, attack in refused:
        with pytest.raises(AppendOnlyError) as info:
            attack()
        assert str(info.value) == message
    assert audit_chain_verify(team.review).intact


def _refused_by_database(statement, params=()):
    with pytest.raises(DatabaseError) as info:
        with transaction.atomic():
            _sql(statement, params)
    return str(info.value)


def test_raw_sql_cannot_change_or_remove_events_or_move_the_head(team):
    event = AuditEvent.objects.filter(review=team.review).order_by("id").first()
    head = AuditChainHead.objects.get(chain=team.review.pk)
    event_attacks = [
        ("UPDATE review_auditevent SET reason = 'x' WHERE id = %s", [event.pk]),
        ("UPDATE review_auditevent SET hash = 'x'", []),
        ("DELETE FROM review_auditevent WHERE id = %s", [event.pk]),
        ("DELETE FROM review_auditevent", []),
    ]
    if connection.vendor == "postgresql":
        event_attacks.append(("TRUNCATE review_auditevent", []))
    for statement, params in event_attacks:
        assert "audit events are append-only" in _refused_by_database(statement, params)
    head_attacks = [
        ("UPDATE review_auditchainhead SET count = count - 1 WHERE id = %s", [head.pk]),
        ("UPDATE review_auditchainhead SET count = count + 1 WHERE id = %s", [head.pk]),
        ("UPDATE review_auditchainhead SET last_hash = %s WHERE id = %s", [GENESIS, head.pk]),
        ("DELETE FROM review_auditchainhead", []),
        ("INSERT INTO review_auditchainhead (chain, count, last_hash) VALUES (%s, 5, %s)", [10**9, "a" * 64]),
    ]
    if connection.vendor == "postgresql":
        head_attacks.append(("TRUNCATE review_auditchainhead", []))
    for statement, params in head_attacks:
        assert "an audit chain head only moves forward" in _refused_by_database(statement, params)
    assert AuditEvent.objects.filter(review=team.review).count() == head.count
    assert audit_chain_verify(team.review).intact


def test_an_event_edited_behind_the_dropped_trigger_is_named(team):
    _drop_triggers()
    target = _events(team.review)[1]
    _sql("UPDATE review_auditevent SET new_value = %s WHERE id = %s", ['{"user": "mallory"}', target.pk])
    verdict = _verify_fails(team.review)
    assert (verdict.event_id, verdict.event_action, verdict.problem) == (target.pk, target.action,
                                                                         audit_chain.CONTENT_EDITED)
    assert verdict.message == audit_chain.BROKEN.format(id=target.pk, at=target.at, action=target.action,
                                                        problem=audit_chain.CONTENT_EDITED)


def test_an_edited_and_rehashed_event_breaks_the_link_of_the_next(team):
    _drop_triggers()
    first, second = _events(team.review)[1:3]
    first.reason = "backdated"
    _sql("UPDATE review_auditevent SET reason = %s, hash = %s WHERE id = %s", ["backdated", event_hash(first), first.pk])
    verdict = _verify_fails(team.review)
    assert (verdict.event_id, verdict.problem) == (second.pk, audit_chain.LINK_BROKEN)


def test_a_deleted_event_is_named_by_the_one_after_it(team):
    events = _events(team.review)
    with maintenance("test: delete one event"):
        _sql("DELETE FROM review_auditevent WHERE id = %s", [events[2].pk])
    verdict = _verify_fails(team.review)
    assert (verdict.event_id, verdict.problem) == (
        events[3].pk, audit_chain.EVENTS_MISSING.format(missing=1, seq=4, expected=3))


def test_a_deleted_tail_shows_against_the_head_count(team):
    events = _events(team.review)
    _drop_triggers()
    _sql("DELETE FROM review_auditevent WHERE id >= %s AND review_id = %s", [events[-2].pk, team.review.pk])
    verdict = _verify_fails(team.review)
    n = len(events)
    assert verdict.problem == audit_chain.TAIL_MISSING.format(head=n, count=n - 2, missing=2)
    assert verdict.message == audit_chain.BROKEN_AT_TAIL.format(id=events[-3].pk, problem=verdict.problem)


def _raw_insert(review, *, at, seq, prev_hash, action="member.added"):
    """An event written around the application, with a chain position of the forger's choice."""
    forged = AuditEvent(review=review, at=at, action=action, seq=seq, prev_hash=prev_hash)
    forged.hash = event_hash(forged)
    _sql(
        "INSERT INTO review_auditevent (review_id, at, actor_username, action, object_type, object_id, reason,"
        " seq, prev_hash, hash) VALUES (%s, %s, '', %s, '', '', '', %s, %s, %s)",
        [review.pk, at, action, seq, prev_hash, forged.hash],
    )
    return AuditEvent.objects.filter(review=review).order_by("-id").first()


def test_an_event_appended_around_the_application_is_named(team):
    events = _events(team.review)
    forged = _raw_insert(team.review, at=events[-1].at, seq=len(events) + 1, prev_hash=events[-1].hash)
    verdict = _verify_fails(team.review)
    assert (verdict.event_id, verdict.problem) == (forged.pk, audit_chain.NOT_IN_HEAD.format(head=len(events)))


def test_an_event_inserted_out_of_order_is_named(team):
    events = _events(team.review)
    forged = _raw_insert(team.review, at=events[0].at, seq=2, prev_hash=events[0].hash)
    audit_record(action="review.updated", review=team.review, actor=team.lead)
    verdict = _verify_fails(team.review)
    assert (verdict.event_id, verdict.event_action, verdict.problem) == (
        forged.pk, "member.added", audit_chain.OUT_OF_ORDER.format(seq=2, expected=len(events) + 1))


def test_a_deleted_head_is_reported(team):
    _drop_triggers()
    _sql("DELETE FROM review_auditchainhead WHERE chain = %s", [team.review.pk])
    verdict = _verify_fails(team.review)
    assert verdict.problem == audit_chain.HEAD_MISSING.format(count=len(_events(team.review)))


def test_the_audit_page_shows_the_verdict(team, client_for):
    client = client_for(team.lead)
    url = reverse("review:audit", args=[team.review.slug])
    page = client.get(url).content.decode()
    count = len(_events(team.review))
    assert 'data-audit-verdict="intact"' in page and f"Audit log intact: {count} events, verified " in page
    target = _events(team.review)[0]
    _drop_triggers()
    _sql("UPDATE review_auditevent SET actor_username = 'someone_else' WHERE id = %s", [target.pk])
    page = client.get(url).content.decode()
    assert 'data-audit-verdict="broken"' in page
    assert audit_chain.BROKEN.format(id=target.pk, at=target.at, action=target.action,
                                     problem=audit_chain.CONTENT_EDITED) in page


def test_audit_verify_all_names_each_broken_chain_and_needs_a_target(team, make_user, capsys):
    from review.management.commands.audit_verify import NOTHING_CHOSEN
    from review.services.reviews import review_create

    other = review_create(title="Second review", slug="second", lead=make_user("sam_second"))
    _drop_triggers()
    target = _events(other)[0]
    _sql("UPDATE review_auditevent SET reason = 'rewritten' WHERE id = %s", [target.pk])
    with pytest.raises(CommandError) as info:
        call_command("audit_verify", "--all")
    expected = audit_chain.BROKEN.format(id=target.pk, at=target.at, action=target.action,
                                         problem=audit_chain.CONTENT_EDITED)
    assert str(info.value) == f"second: {expected}"
    captured = capsys.readouterr()
    assert captured.err.strip() == f"second: {expected}"
    assert captured.out.startswith(f"{team.review.slug}: Audit log intact: ")
    with pytest.raises(CommandError) as info:
        call_command("audit_verify")
    assert str(info.value) == NOTHING_CHOSEN


def test_a_deleted_reviews_chain_is_still_verified_by_audit_verify_all(team, make_user, capsys):
    from review.models import Review
    from review.services.reviews import review_create

    other = review_create(title="Abandoned", slug="abandoned", lead=make_user("abe_abandoned"))
    count = len(_events(other))
    Review.objects.filter(pk=other.pk).delete()
    call_command("audit_verify", "--all")
    assert f"(deleted review {other.pk}): Audit log intact: {count} events" in capsys.readouterr().out


def test_no_insert_path_skips_or_overwrites_a_chain_position(team):
    event = AuditEvent(review=team.review, at=_events(team.review)[0].at, action="forged")
    for options in ({"ignore_conflicts": True}, {"update_conflicts": True, "unique_fields": ["id"],
                                                 "update_fields": ["reason"]}):
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.bulk_create([event], **options)
    assert audit_chain_verify(team.review).intact
