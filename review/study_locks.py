"""Whether a study's data are locked, for the review services that change its reports.

Sending back a report's full-text decision, or moving a report to another study, changes
which studies analysis reads. Review cannot import extraction (dependencies point one way),
so extraction registers its check here when it starts (extraction/apps.py).
"""

from __future__ import annotations

from collections.abc import Callable

_guards: dict[str, Callable[[int], None]] = {}
_review_guards: dict[str, Callable[..., None]] = {}


def register(name: str, guard: Callable[[int], None], *, review_guard: Callable[..., None] | None = None) -> None:
    """``guard(study_id)`` raises ValidationError when the study's reports must stay as they are;
    ``review_guard(review_id=...)`` raises when the review must not be deleted."""
    _guards[name] = guard
    if review_guard is not None:
        _review_guards[name] = review_guard


def refuse_deleting_review(review_id: int) -> None:
    for guard in _review_guards.values():
        guard(review_id=review_id)


def refuse_if_locked(study_id: int | None) -> None:
    if study_id is None:
        return
    for guard in _guards.values():
        guard(study_id)
