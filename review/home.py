"""What the review's home page tells each person: their to-dos, and the lead's progress strip.

Review sits at the bottom of the one-way dependencies (review <- extraction <- analysis), so
it cannot ask extraction or analysis what waits; they register providers here from their
AppConfig.ready(), as they register their blinding work sources. Every count is one a person
may already see on the page the to-do links to: their own queue, conflicts for an arbiter or
lead, settled screening counts for the lead, never a colleague's pending judgement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from review.models import Record, Review
from review.models.duplicates import DuplicatePair, PairStatus
from review.models.screening import RecordStage, Stage, StageStatus


@dataclass(frozen=True)
class Todo:
    text: str
    url: str
    # "warn" for something that is wrong or out of date, rather than simply waiting.
    tone: str = "wait"


@dataclass(frozen=True)
class Step:
    label: str
    count: int
    url: str


TodoProvider = Callable[[Review, object, object], Iterable[Todo]]
StepProvider = Callable[[Review], Iterable[Step]]
_todo_providers: list[TodoProvider] = []
_step_providers: list[StepProvider] = []


def register(*, todos: TodoProvider | None = None, steps: StepProvider | None = None) -> None:
    """Apps call this once from ready(); providers run in the order registered."""
    if todos is not None and todos not in _todo_providers:
        _todo_providers.append(todos)
    if steps is not None and steps not in _step_providers:
        _step_providers.append(steps)


def todos_for(review: Review, membership, user) -> list[Todo]:
    return [todo for provider in _todo_providers for todo in provider(review, membership, user)]


def progress_for(review: Review) -> list[Step]:
    return [step for provider in _step_providers for step in provider(review)]


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _unstaged(review: Review) -> int:
    # Records imported since anyone last opened the queue have no title/abstract row yet;
    # they wait for every reviewer all the same.
    rows = RecordStage.objects.filter(record=OuterRef("pk"), stage=Stage.TITLE_ABSTRACT)
    return Record.objects.filter(review=review, duplicate_of__isnull=True).exclude(Exists(rows)).count()


def _screening_todos(review: Review, membership, user) -> Iterable[Todo]:
    from review.screening import selectors as screening_selectors

    slug = review.slug
    if membership.is_reviewer:
        for stage, slug_part, what in ((Stage.TITLE_ABSTRACT, "title-abstract", "title/abstract"),
                                       (Stage.FULL_TEXT, "full-text", "full-text")):
            n = screening_selectors.remaining(review, user, stage)
            if stage == Stage.TITLE_ABSTRACT:
                n += _unstaged(review)
            if n:
                yield Todo(f"{plural(n, 'record waits', 'records wait')} for your {what} vote",
                           reverse("review:screen", args=[slug, slug_part]))
    if membership.is_arbiter or membership.is_lead:
        n = screening_selectors.open_conflicts(review).count()
        if n:
            yield Todo(f"{plural(n, 'conflict waits', 'conflicts wait')} for you", reverse("review:conflicts", args=[slug]))
    if membership.is_lead:
        pairs = DuplicatePair.objects.filter(review=review, status=PairStatus.PENDING).count()
        if pairs:
            yield Todo(f"{plural(pairs, 'possible duplicate pair waits', 'possible duplicate pairs wait')} for a decision",
                       reverse("review:duplicates", args=[slug]))


def _screening_steps(review: Review) -> Iterable[Step]:
    slug = review.slug
    records = Record.objects.filter(review=review)
    unique = records.filter(duplicate_of__isnull=True)
    stages = RecordStage.objects.filter(review=review, record__duplicate_of__isnull=True)
    settled = Q(status__in=[StageStatus.ADVANCED, StageStatus.INCLUDED, StageStatus.EXCLUDED, StageStatus.NOT_RETRIEVED])
    yield Step("Identified", records.count(), reverse("review:records", args=[slug]))
    yield Step("De-duplicated", unique.count(), reverse("review:duplicates", args=[slug]))
    yield Step("Screened", stages.filter(settled, stage=Stage.TITLE_ABSTRACT).count(),
               reverse("review:dashboard", args=[slug]))
    yield Step("Full text", stages.filter(settled, stage=Stage.FULL_TEXT).count(), reverse("review:fulltexts", args=[slug]))
    yield Step("Included", stages.filter(stage=Stage.FULL_TEXT, status=StageStatus.INCLUDED).count(),
               reverse("review:included", args=[slug]))


register(todos=_screening_todos, steps=_screening_steps)
