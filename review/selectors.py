"""Read-side queries that span relations."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from review.models import AuditEvent, Membership, Record, Review


def reviews_for_user(user) -> QuerySet[Review]:
    return (
        Review.objects.filter(memberships__user=user, memberships__removed_at__isnull=True)
        .annotate(record_count=Count("records", distinct=True))
        .order_by("title")
    )


def members_of(review: Review) -> QuerySet[Membership]:
    return Membership.active.filter(review=review).select_related("user").order_by("user__username")


def records_filtered(review: Review, *, q: str = "", source_id=None, year=None, publication_type: str = ""):
    records = Record.objects.filter(review=review).select_related("source")
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
