"""Analysis's part of the review home (review/home.py): analyses out of date or never run,
and the analysed step of the lead's progress strip."""

from __future__ import annotations

from django.urls import reverse

from review.home import Step, Todo, plural


def _statuses(review):
    from analysis.selectors import review_statuses

    return review_statuses(review) if review.analyses.exists() else []


def todos(review, membership, user):
    if not membership.is_lead:
        return
    statuses = _statuses(review)
    url = reverse("analysis:list", args=[review.slug])
    stale = sum(1 for s in statuses if s.stale)
    if stale:
        yield Todo(f"{plural(stale, 'analysis is', 'analyses are')} out of date: the locked data changed", url, "warn")
    never = sum(1 for s in statuses if s.run is None)
    if never:
        yield Todo(f"{plural(never, 'analysis has', 'analyses have')} not been run", url)


def steps(review):
    statuses = _statuses(review)
    yield Step("Analysed", sum(1 for s in statuses if s.state == "current"), reverse("analysis:list", args=[review.slug]))
