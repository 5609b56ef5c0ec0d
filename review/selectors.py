"""Read-side queries that span relations."""

from __future__ import annotations

import json

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from review.models import AuditEvent, Membership, Record, RecordStage, Review, ScreeningDecision
from review.models.screening import Stage, StageStatus


def reviews_for_user(user) -> QuerySet[Review]:
    return (
        Review.objects.filter(memberships__user=user, memberships__removed_at__isnull=True)
        .annotate(record_count=Count("records", distinct=True))
        .order_by("title")
    )


def members_of(review: Review) -> QuerySet[Membership]:
    return Membership.active.filter(review=review).select_related("user").order_by("user__username")


def _stage_status(stage: str) -> Subquery:
    return Subquery(RecordStage.objects.filter(record=OuterRef("pk"), stage=stage).values("status")[:1])


# The records list's status filter: per stage, the stage row's status; and the merged copies.
STATUS_FILTERS = {
    **{f"ta:{value}": f"Title/abstract: {label}" for value, label in StageStatus.choices
       if value not in (StageStatus.INCLUDED, StageStatus.NOT_RETRIEVED)},
    **{f"ft:{value}": f"Full text: {label}" for value, label in StageStatus.choices
       if value not in (StageStatus.ADVANCED, StageStatus.AUTOMATION_EXCLUDED)},
    "merged": "Merged duplicates",
}


def own_labels(review: Review, user) -> list[str]:
    """The labels this person gave in their own votes: the only labels a blinded member may filter by."""
    seen = ScreeningDecision.objects.filter(record__review=review, reviewer=user).exclude(labels=[])
    return sorted({label for labels in seen.values_list("labels", flat=True) for label in labels}, key=str.lower)


def records_filtered(review: Review, *, q: str = "", source_id=None, year=None, publication_type: str = "",
                     status: str = "", label: str = "", user=None):
    records = Record.objects.filter(review=review).select_related("source", "duplicate_of").annotate(
        ta_status=_stage_status(Stage.TITLE_ABSTRACT), ft_status=_stage_status(Stage.FULL_TEXT))
    if status == "merged":
        records = records.filter(duplicate_of__isnull=False)
    elif status in STATUS_FILTERS:
        stage = Stage.TITLE_ABSTRACT if status.startswith("ta:") else Stage.FULL_TEXT
        value = status.split(":", 1)[1]
        rows = RecordStage.objects.filter(record=OuterRef("pk"), stage=stage, status=value)
        # A record imported since the queue was last opened has no row yet: it awaits all the same.
        if stage == Stage.TITLE_ABSTRACT and value == StageStatus.AWAITING:
            none = ~Exists(RecordStage.objects.filter(record=OuterRef("pk"), stage=stage))
            records = records.filter(Exists(rows) | none, duplicate_of__isnull=True)
        else:
            records = records.filter(Exists(rows))
    if label and user is not None:
        # Labels are stored as a JSON list; matching the quoted, JSON-encoded label matches a whole label.
        mine = ScreeningDecision.objects.filter(record=OuterRef("pk"), reviewer=user,
                                                labels__icontains=json.dumps(label))
        records = records.filter(Exists(mine))
    if q:
        records = records.filter(
            Q(title__icontains=q) | Q(abstract__icontains=q) | Q(doi__iexact=q) | Q(pmid=q)
            | Q(journal__icontains=q)
        )
    if source_id:
        records = records.filter(source_id=source_id)
    if year:
        records = records.filter(year=year)
    if publication_type:
        records = records.filter(publication_type=publication_type)
    return records.defer("raw", "abstract", "extra").order_by("id")


def record_years(review: Review) -> list[int]:
    return list(
        Record.objects.filter(review=review, year__isnull=False)
        .values_list("year", flat=True).distinct().order_by("-year")
    )


def audit_events(review: Review, *, action: str = "", actor: str = "", since=None, until=None):
    events = AuditEvent.objects.filter(review=review)
    if action:
        events = events.filter(action__startswith=action)
    if actor:
        events = events.filter(actor_username=actor)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.order_by("-at", "-id")


def source_counts(review: Review):
    return review.sources.annotate(record_count=Count("records")).order_by("name")
