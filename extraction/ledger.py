"""The lock ledger: the audit log's lock and unlock events, the reference for locked data.

Each ``<kind>.consensus_locked`` event carries the fingerprint taken at the lock, and the
audit log is append-only (and hash-chained), so the latest ledger event of a consensus says
what it must be: locked with exactly that fingerprint, or open. Anything else is tampering,
whatever the row's own ``fingerprint`` column says (it sits beside the data and can be
rewritten with it).
"""

from __future__ import annotations

from dataclasses import dataclass

from extraction.fingerprint import fingerprint
from extraction.lock_triggers import LOCK_ACTIONS, OBJECT_TYPE, UNLOCK_ACTIONS
from review.models import AuditEvent, Membership

DATA_CHANGED = "its locked data differ from the fingerprint in the lock ledger"
LOCKED_WITHOUT_LEDGER = "locked, but the lock ledger records no lock of it (relocked without an unlock, or re-inserted)"
OPENED_WITHOUT_UNLOCK = "the lock ledger says locked, but it was opened without an unlock"
GONE = "the lock ledger says locked, but the consensus is gone (deleted)"


@dataclass(frozen=True)
class Tampered:
    study_id: int | None
    label: str
    kind: str
    problem: str

    def __str__(self) -> str:
        return f"{self.label} ({self.kind}): {self.problem}"


def _ledger(actions=LOCK_ACTIONS + UNLOCK_ACTIONS, **filters):
    return AuditEvent.objects.filter(object_type=OBJECT_TYPE, action__in=actions, **filters)


def latest_event(consensus) -> AuditEvent | None:
    return _ledger(object_id=str(consensus.pk)).order_by("-id").first()


def _by_lead(event, consensus) -> bool:
    return Membership.objects.filter(review__studies=consensus.study_id, user_id=event.actor_id, is_lead=True,
                                     removed_at__isnull=True).exists()


def unlock_recorded(consensus) -> bool:
    """The latest ledger event of ``consensus`` is an unlock by a lead, with a reason."""
    event = latest_event(consensus)
    return (event is not None and event.action in UNLOCK_ACTIONS and bool(event.reason.strip())
            and _by_lead(event, consensus))


def lock_recorded(consensus) -> bool:
    """The latest ledger event of ``consensus`` is a lock by a lead with its fingerprint."""
    event = latest_event(consensus)
    return (event is not None and event.action in LOCK_ACTIONS
            and (event.new_value or {}).get("fingerprint") == consensus.fingerprint and _by_lead(event, consensus))


def _kind_of(action: str) -> str:
    return action.split(".", 1)[0]


def latest_by_consensus(review, *, kind: str | None = None) -> dict[int, dict]:
    """The latest ledger event of every consensus of ``review``, by consensus id."""
    actions = [a for a in LOCK_ACTIONS + UNLOCK_ACTIONS if kind is None or _kind_of(a) == kind]
    latest: dict[int, dict] = {}
    rows = _ledger(actions, review=review).order_by("id").values("object_id", "action", "new_value")
    for row in rows:
        if row["object_id"].isdigit():
            latest[int(row["object_id"])] = row
    return latest


def tampering(review, *, kind: str | None = None, rows=None) -> list[Tampered]:
    """Every consensus of ``review`` whose row disagrees with the lock ledger.

    ``rows`` are the review's consensus rows (any status) with ``study`` and ``form_version``
    loaded, when the caller has them already.
    """
    from extraction.models import Consensus
    from extraction.selectors import payload_of

    if rows is None:
        rows = Consensus.objects.filter(study__review=review).select_related("study", "form_version")
        if kind:
            rows = rows.filter(kind=kind)
    rows = list(rows)
    latest = latest_by_consensus(review, kind=kind)
    found = []
    for c in rows:
        event = latest.get(c.pk)
        ledger_locked = event is not None and event["action"] in LOCK_ACTIONS
        if c.is_locked and not ledger_locked:
            found.append(Tampered(c.study_id, c.study.label, c.kind, LOCKED_WITHOUT_LEDGER))
        elif c.is_locked and fingerprint(payload_of(c)) != (event["new_value"] or {}).get("fingerprint"):
            found.append(Tampered(c.study_id, c.study.label, c.kind, DATA_CHANGED))
        elif not c.is_locked and ledger_locked:
            found.append(Tampered(c.study_id, c.study.label, c.kind, OPENED_WITHOUT_UNLOCK))
    present = {c.pk for c in rows}
    for consensus_id, event in latest.items():
        if consensus_id not in present and event["action"] in LOCK_ACTIONS:
            value = event["new_value"] or {}
            found.append(Tampered(value.get("study_id"), value.get("study") or f"consensus #{consensus_id}",
                                  _kind_of(event["action"]), GONE))
    return sorted(found, key=lambda t: (t.label, t.kind))
