"""The hash chain of the audit log: how an event is hashed, appended and verified.

Each event's ``hash`` is the SHA-256 of a canonical JSON text of its fields, its position in
the chain (``seq``) and the hash of the event before it in the same chain (``prev_hash``).
Every review has its own chain; events without a review form one global chain. Changing,
removing or inserting an event anywhere breaks the chain from that point on, which
``audit_chain_verify`` (and ``manage.py audit_verify``) reports.

Appending locks the chain's head row (``AuditChainHead``) for the rest of the transaction,
so two writers queue on a chain instead of both chaining onto the same event.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

GENESIS = "0" * 64

INTACT = "Audit log intact: {count} events, verified {at:%Y-%m-%d %H:%M:%S} UTC."
BROKEN = "Audit log broken at event {id} ({at:%Y-%m-%d %H:%M:%S} UTC, {action}): {problem}"
BROKEN_AT_TAIL = "Audit log broken after event {id}: {problem}"
BROKEN_EMPTY = "Audit log broken: {problem}"

CONTENT_EDITED = "content edited: its hash does not match what it records."
LINK_BROKEN = (
    "the link to the event before it is broken: that event was edited (and re-hashed), "
    "or this one was inserted out of order."
)
EVENTS_MISSING = "{missing} event(s) before it are missing (deleted): it is event {seq} of the chain, expected {expected}."
OUT_OF_ORDER = "inserted out of order: it claims to be event {seq} of the chain, expected {expected}."
TAIL_MISSING = (
    "the chain head records {head} events but {count} remain: the last {missing} event(s) were deleted."
)
HEAD_MISMATCH = "the chain head does not point at the last event: the chain was rewritten or cut."
NOT_IN_HEAD = "appended outside the application: the chain head records only {head} events."
HEAD_MISSING = "the chain head is missing although {count} events exist: it was deleted."


def _utc(value: dt.datetime) -> str:
    if timezone.is_naive(value):
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normal_json(value: Any) -> Any:
    """A JSON value as both databases give it back: PostgreSQL's jsonb returns a whole
    float written with an exponent (1e+16) as an integer, so those are hashed as integers."""
    if isinstance(value, float):
        if value.is_integer() and "e" in repr(value):
            return int(Decimal(repr(value)))
        return value
    if isinstance(value, dict):
        return {key: normal_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [normal_json(item) for item in value]
    return value


def canonical(event) -> str:
    """The text that is hashed: sorted keys, fixed separators, ASCII only, UTC time with
    microseconds, ids exactly as stored. Works on model instances and on historical models."""
    return json.dumps(
        {
            "review": event.review_id,
            "seq": event.seq,
            "at": _utc(event.at),
            "actor": event.actor_id,
            "actor_username": event.actor_username,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "old_value": normal_json(event.old_value),
            "new_value": normal_json(event.new_value),
            "reason": event.reason,
            "prev_hash": event.prev_hash,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )


def event_hash(event) -> str:
    return hashlib.sha256(canonical(event).encode("ascii")).hexdigest()


def chain_key(review_id: int | None) -> int:
    from review.models import AuditChainHead

    return AuditChainHead.GLOBAL if review_id is None else review_id


def _lock_head(key: int):
    from review.models import AuditChainHead

    head = AuditChainHead.objects.select_for_update().filter(chain=key).first()
    if head is None:
        # Two first writers may race here: the loser's insert is ignored and it waits on the row.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(chain=key, count=0, last_hash=GENESIS)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(chain=key)
    return head


def chain_insert(events: list, *, insert):
    """Give ``events`` (unsaved, in order) their place in their chains, run ``insert`` (the
    real INSERT) and move the chain heads forward, all in one transaction."""
    from review.models import AuditChainHead

    if not events:
        return insert(events)
    # No savepoint of its own: a failure here fails the caller's transaction, as it must.
    with transaction.atomic(savepoint=False):
        # Heads are locked in one order, so two batches touching the same chains never deadlock.
        heads = {key: _lock_head(key) for key in sorted({chain_key(e.review_id) for e in events})}
        tips = {key: (head.count, head.last_hash) for key, head in heads.items()}
        for event in events:
            key = chain_key(event.review_id)
            count, last_hash = tips[key]
            event.seq = count + 1
            event.prev_hash = last_hash
            event.hash = event_hash(event)
            tips[key] = (event.seq, event.hash)
        result = insert(events)
        last_ids = {chain_key(e.review_id): e.pk for e in events}
        for key, (count, last_hash) in tips.items():
            AuditChainHead.objects.filter(pk=heads[key].pk).update(
                count=count, last_hash=last_hash, last_event_id=last_ids[key]
            )
    return result


@dataclass(frozen=True)
class ChainVerdict:
    """What ``audit_chain_verify`` found: intact with ``count`` events, or the first break."""

    intact: bool
    count: int
    verified_at: dt.datetime
    problem: str = ""
    event_id: int | None = None
    event_at: dt.datetime | None = None
    event_action: str = ""

    @property
    def message(self) -> str:
        if self.intact:
            return INTACT.format(count=self.count, at=self.verified_at)
        if self.event_at is not None:
            return BROKEN.format(id=self.event_id, at=self.event_at, action=self.event_action, problem=self.problem)
        if self.event_id is not None:
            return BROKEN_AT_TAIL.format(id=self.event_id, problem=self.problem)
        return BROKEN_EMPTY.format(problem=self.problem)


_FIELDS = (
    "id", "review_id", "seq", "at", "actor_id", "actor_username", "action", "object_type", "object_id",
    "old_value", "new_value", "reason", "prev_hash", "hash",
)


class _Row:
    __slots__ = _FIELDS

    def __init__(self, values):
        for name, value in zip(_FIELDS, values, strict=True):
            setattr(self, name, value)


def _now() -> dt.datetime:
    return timezone.now()


def _walk(events, now):
    """Walk ``events`` in id order; return (verdict of the first break or None, count, last row)."""
    count = 0
    previous = None
    for values in events.order_by("id").values_list(*_FIELDS).iterator(chunk_size=2000):
        row = _Row(values)
        expected = count + 1
        problem = ""
        if row.seq > expected:
            problem = EVENTS_MISSING.format(missing=row.seq - expected, seq=row.seq, expected=expected)
        elif row.seq < expected:
            problem = OUT_OF_ORDER.format(seq=row.seq, expected=expected)
        elif row.prev_hash != (previous.hash if previous is not None else GENESIS):
            problem = LINK_BROKEN
        elif event_hash(row) != row.hash:
            problem = CONTENT_EDITED
        if problem:
            return ChainVerdict(False, count, now, problem, row.id, row.at, row.action), count, previous
        count = expected
        previous = row
    return None, count, previous


def audit_chain_verify(review=None) -> ChainVerdict:
    """Recompute the chain of ``review`` (the global chain when None) from its first event
    and name the first event where it breaks."""
    from review.models import AuditChainHead, AuditEvent

    key = chain_key(review.pk if review is not None else None)
    now = _now()
    events = AuditEvent.objects.filter(review_id=review.pk if review is not None else None)
    # The head is read first and the walk stops at the event it points at: appends that
    # commit during the walk have higher ids (they waited for the head's lock).
    head = AuditChainHead.objects.filter(chain=key).first()
    if head is None:
        verdict, count, last = _walk(events, now)
        if verdict is not None:
            return verdict
        if count == 0:
            return ChainVerdict(True, 0, now)
        if AuditChainHead.objects.filter(chain=key).exists():
            return audit_chain_verify(review)
        return ChainVerdict(False, count, now, HEAD_MISSING.format(count=count), last.id)
    verdict, count, last = _walk(events.filter(id__lte=head.last_event_id or 0), now)
    if verdict is not None:
        return verdict
    last_id = last.id if last is not None else None
    if head.count > count:
        missing = head.count - count
        return ChainVerdict(False, count, now, TAIL_MISSING.format(head=head.count, count=count, missing=missing),
                            last_id)
    if head.count < count:
        row = events.filter(id__lte=head.last_event_id, seq=head.count + 1).order_by("id").first()
        return ChainVerdict(False, count, now, NOT_IN_HEAD.format(head=head.count), row.id, row.at, row.action)
    if count and (head.last_hash != last.hash or head.last_event_id != last.id):
        return ChainVerdict(False, count, now, HEAD_MISMATCH, last_id)
    # Events past the head's last one are either appends made during this walk (the head
    # now covers them) or rows written around the application.
    later = list(events.filter(id__gt=head.last_event_id or 0).order_by("id").values_list("id", "at", "action"))
    if later:
        now_head = AuditChainHead.objects.filter(chain=key).first()
        stray = [row for row in later if row[0] > (now_head.last_event_id or 0)]
        if stray:
            return ChainVerdict(False, count, now, NOT_IN_HEAD.format(head=now_head.count), *stray[0])
    return ChainVerdict(True, count, now)
