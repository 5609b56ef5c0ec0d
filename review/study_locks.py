"""Whether a study's data are locked, for the review services that change its reports.

Sending back a report's full-text decision, or moving a report to another study, changes
which studies analysis reads. Review cannot import extraction (dependencies point one way),
so extraction registers its check here when it starts (extraction/apps.py).
"""

from __future__ import annotations

from collections.abc import Callable

_guards: dict[str, Callable[[int], None]] = {}


def register(name: str, guard: Callable[[int], None]) -> None:
    """``guard(study_id)`` raises ValidationError when the study's reports must stay as they are."""
    _guards[name] = guard


def refuse_if_locked(study_id: int | None) -> None:
    if study_id is None:
        return
    for guard in _guards.values():
        guard(study_id)
