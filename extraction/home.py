"""Extraction's part of the review home (review/home.py): assigned work, reconciliation and
locks waiting, and the extracted and locked steps of the lead's progress strip."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse

from extraction.models import Assignment, Consensus, Extraction
from extraction.selectors import included_studies
from review.home import Step, Todo, plural


def _owed(review, user):
    submitted = Extraction.objects.filter(study=OuterRef("study"), kind=OuterRef("kind"), user=user,
                                          status=Extraction.SUBMITTED)
    return (Assignment.objects.filter(study__in=included_studies(review), user=user)
            .exclude(Exists(Consensus.objects.filter(study=OuterRef("study"), kind=OuterRef("kind"))))
            .exclude(Exists(submitted)))


def todos(review, membership, user):
    overview = reverse("extraction:overview", args=[review.slug])
    if membership.is_reviewer:
        owed = dict(_owed(review, user).values_list("kind").annotate(n=Count("id")).order_by())
        if owed.get("extraction"):
            yield Todo(f"{plural(owed['extraction'], 'extraction is', 'extractions are')} assigned to you", overview)
        if owed.get("appraisal"):
            yield Todo(f"{plural(owed['appraisal'], 'appraisal is', 'appraisals are')} assigned to you", overview)
    if not (membership.is_lead or membership.is_arbiter):
        return
    open_rows = Consensus.objects.filter(study__review=review, status=Consensus.OPEN).annotate(
        open_count=Count("discrepancies", filter=Q(discrepancies__choice="")))
    reconciling = open_rows.filter(open_count__gt=0).values("study").distinct().count()
    if reconciling:
        yield Todo(f"{plural(reconciling, 'study has', 'studies have')} discrepancies to reconcile", overview)
    if membership.is_lead:
        for kind, what in (("extraction", "extraction"), ("appraisal", "appraisal")):
            ready = open_rows.filter(open_count=0, kind=kind).count()
            if ready:
                yield Todo(f"{plural(ready, 'study is', 'studies are')} ready to lock ({what})",
                           reverse("extraction:lock_agreed", args=[review.slug, kind]))
        unassigned = included_studies(review).exclude(
            Exists(Assignment.objects.filter(study=OuterRef("pk"), kind="extraction"))).count()
        if unassigned:
            yield Todo(f"{plural(unassigned, 'included study has', 'included studies have')} no extractors assigned",
                       reverse("extraction:assignments", args=[review.slug]))


def steps(review):
    overview = reverse("extraction:overview", args=[review.slug])
    rows = Consensus.objects.filter(study__review=review, kind="extraction")
    yield Step("Extracted", rows.values("study").distinct().count(), overview)
    yield Step("Locked", rows.filter(status=Consensus.LOCKED).values("study").distinct().count(), overview)
