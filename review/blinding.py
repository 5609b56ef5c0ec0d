"""Who may see a colleague's judgement, in one place (DESIGN.md invariant 1).

A viewer is *blinded* on an item while they still owe their own judgement of it:
- a screening item (record, stage) when they hold the reviewer role, the stage still waits
  for votes and they have not voted on it;
- an extraction or appraisal of a study when they are assigned to it and have not
  submitted their own.
Everything a page or download shows of such an item's votes, notes, labels, reasons,
extracted values, appraisal answers, changed cells or fingerprints passes through here.
What stays visible of an event is what leaks no direction: when, who, which action and
on which object. Whether an event is redacted never depends on its values, so neither
the list nor any count or filter of it says which way a vote went.

Fingerprints shown to people are keyed with the server's secret (``shown_fingerprint``):
a raw SHA-256 of a small answer set (an RoB 1 appraisal has a few hundred combinations)
can be recovered by guessing; a keyed one cannot without the secret. Stored and compared
fingerprints stay raw SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.crypto import salted_hmac

FINGERPRINT_SALT = "concord.blinding.shown_fingerprint"
HIDDEN = {
    "screening": "hidden until you have submitted your own vote",
    "extraction": "hidden until you have submitted your own extraction",
    "appraisal": "hidden until you have submitted your own appraisal",
}


def shown_fingerprint(value: str | None) -> str:
    """The fingerprint as people see it: HMAC-SHA256 of the raw one, keyed from SECRET_KEY."""
    if not value:
        return ""
    return salted_hmac(FINGERPRINT_SALT, str(value), algorithm="sha256").hexdigest()


def _keyed(value: Any) -> Any:
    """A copy of an event value with every fingerprint in it (any key ending in "fingerprint")
    replaced by its keyed form."""
    if isinstance(value, dict):
        return {k: shown_fingerprint(v) if str(k).endswith("fingerprint") and isinstance(v, str) else _keyed(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_keyed(v) for v in value]
    return value


@dataclass(frozen=True)
class ShownEvent:
    """An audit event as one viewer may see it; ``hidden`` says why its values are not shown."""

    at: Any
    actor_username: str
    action: str
    object_type: str
    object_id: str
    old_value: Any
    new_value: Any
    reason: str
    hidden: str = ""


def _screening_key(event) -> tuple[int, str] | None:
    for value in (event.new_value, event.old_value):
        if isinstance(value, dict) and "record" in value and "stage" in value:
            try:
                return int(value["record"]), str(value["stage"])
            except (TypeError, ValueError):
                return None
    return None


class WorkSource:
    """What another app (extraction) tells the policy about double-entry work on studies.

    ``review`` imports nothing from ``extraction`` (DESIGN.md: dependencies point one way),
    so the extraction app registers one of these when it loads (``register_work_source``).
    """

    object_types: tuple[str, ...] = ()

    def pending(self, membership) -> set[tuple[str, int]]:
        """(kind, study id) pairs this viewer is assigned to and has not submitted."""
        return set()

    def items(self, object_type: str, object_ids: set[str]) -> dict[str, tuple[str, int]]:
        """{object id: (kind, study id)} for the events' objects that still exist."""
        return {}


_WORK_SOURCES: list[WorkSource] = []


def register_work_source(source: WorkSource) -> None:
    if not any(type(s) is type(source) for s in _WORK_SOURCES):
        _WORK_SOURCES.append(source)


class Blinding:
    """The blinding of one viewer (a membership) in one review.

    ``prepare(events)`` loads, in a few queries, which of the items those events touch the
    viewer still owes a judgement on; ``show(event)`` then decides per event.
    """

    def __init__(self, membership):
        self.membership = membership
        self._pending_screening: set[tuple[int, str]] = set()
        self._pending_work: set[tuple[str, int]] = set()
        self._items: dict[tuple[str, str], tuple[str, int]] = {}
        self._work_types = {t for s in _WORK_SOURCES for t in s.object_types}

    def pending_screening(self, keys: set[tuple[int, str]]) -> set[tuple[int, str]]:
        """The (record, stage) items among ``keys`` this viewer still has to vote on."""
        from review.models import RecordStage, ScreeningDecision
        from review.models.screening import StageStatus

        if not keys or not self.membership.is_reviewer:
            return set()
        records = {r for r, _ in keys}
        rows = {
            (r, s): status for r, s, status in RecordStage.objects.filter(
                review_id=self.membership.review_id, record_id__in=records, record__duplicate_of__isnull=True,
            ).values_list("record_id", "stage", "status")
        }
        voted = set(ScreeningDecision.objects.filter(record_id__in=records, reviewer_id=self.membership.user_id)
                    .values_list("record_id", "stage"))
        # A key without its stage row stays blinded: no row means the stage can still open.
        return {k for k in keys if k not in voted and rows.get(k, StageStatus.AWAITING) == StageStatus.AWAITING}

    def prepare(self, events) -> None:
        events = list(events)
        self._pending_screening = self.pending_screening({k for e in events if (k := _screening_key(e))})
        self._pending_work, self._items = set(), {}
        for source in _WORK_SOURCES:
            self._pending_work |= source.pending(self.membership)
            for object_type in source.object_types:
                ids = {e.object_id for e in events if e.object_type == object_type}
                for object_id, item in source.items(object_type, ids).items():
                    self._items[(object_type, object_id)] = item

    def hidden_reason(self, event) -> str:
        """Why this event's values are hidden from the viewer, or "" when they may see them."""
        key = _screening_key(event)
        if key is not None and key in self._pending_screening:
            return HIDDEN["screening"]
        if event.object_type in self._work_types:
            item = self._items.get((event.object_type, event.object_id))
            if item is None:
                # The row is gone (deleted by hand): which study it was is unknown, so any
                # open work of the viewer keeps it hidden.
                kind = event.action.split(".", 1)[0]
                return HIDDEN.get(kind, HIDDEN["extraction"]) if self._pending_work else ""
            if item in self._pending_work:
                return HIDDEN.get(item[0], HIDDEN["extraction"])
        return ""

    def show(self, event) -> ShownEvent:
        hidden = self.hidden_reason(event)
        if hidden:
            return ShownEvent(event.at, event.actor_username, event.action, event.object_type, event.object_id,
                              None, None, "", hidden)
        return ShownEvent(event.at, event.actor_username, event.action, event.object_type, event.object_id,
                          _keyed(event.old_value), _keyed(event.new_value), event.reason)

    def show_all(self, events) -> list[ShownEvent]:
        events = list(events)
        self.prepare(events)
        return [self.show(e) for e in events]


def colleagues_votes_visible(review, own_decision) -> bool:
    """The screening page: colleagues' votes on a record show only out of blind mode, and only
    once the viewer's own vote on it is in."""
    return not review.blind_mode and own_decision is not None


def exports_closed(review, membership) -> bool:
    """In blind mode, exports of every vote stay closed to a member who screens (whatever else they are)."""
    return bool(review.blind_mode and membership.is_reviewer)


def votes_hidden_from(membership) -> Q:
    """A filter on ScreeningDecision matching the votes of items this viewer still owes a vote on."""
    from review.models import ScreeningDecision
    from review.models.screening import StageStatus

    if not membership.is_reviewer:
        return Q()
    mine = ScreeningDecision.objects.filter(reviewer_id=membership.user_id).values("record_stage_id")
    return Q(record_stage__status=StageStatus.AWAITING) & ~Q(record_stage_id__in=mine)
