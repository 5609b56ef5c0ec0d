"""Per-review screening aggregates kept between requests, exact because they are keyed on the
review's audit chain.

Every change to a review's screening (a vote cast, changed or undone, an outcome, a conflict
settled, a send-back, a stop or a resume, an import, a merge) appends an event to the review's
audit chain in the same transaction (DESIGN.md invariant 3), and that moves the chain head's
hash. A value computed after reading the head and kept under its hash is therefore the value
for as long as the head stays put: the next change makes a new key, and nothing shows an old
count. Counting 100,000 stage rows or votes on every page load is what this saves.

Rows written without an event (the bookkeeping of ``stages_sync``) must be named in ``parts``
by whoever relies on them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import connection

from review.models import AuditChainHead, Record, Review

KEEP_SECONDS = 3600
T = TypeVar("T")


def review_version(review: Review) -> str | None:
    """The review's audit chain head, or None when the review has no event yet."""
    return AuditChainHead.objects.filter(chain=review.pk).values_list("last_hash", flat=True).first()


def _in_own_transaction() -> bool:
    # A value computed inside a transaction may see its uncommitted writes, under a head that a
    # rollback would bring back: keep nothing then. The test suite's wrapping transaction is
    # not one of ours.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def kept(review: Review, name: str, compute: Callable[[], T], *parts, version: str | None = None) -> T:
    """``compute()``, or the value it gave for the same review state and ``parts``.

    ``version`` is a ``review_version`` read earlier in the same request (before anything
    it keys was read), to save reading it again.
    """
    if _in_own_transaction():
        return compute()
    version = version or review_version(review)
    if version is None:
        return compute()
    key = ":".join(["kept", name, str(review.pk), f"{review.created_at.timestamp()}", version, *map(str, parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, KEEP_SECONDS)
    return value


def unique_records(review: Review) -> int:
    """The review's records less merged duplicates: the dashboard's counts and the stopping rule
    both start from it, and counting 100,000 records costs more than any other query of theirs."""
    return kept(review, "unique_records", lambda: Record.objects.filter(review=review, duplicate_of__isnull=True).count())
