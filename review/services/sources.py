"""Search sources (PRISMA's databases, registers and other methods)."""

from __future__ import annotations

from django.db import transaction

from review.models import SearchSource
from review.services.audit import audit_record
from review.services.versions import check_version

SOURCE_FIELDS = ["name", "kind", "interface", "search_string", "date_run", "date_from", "date_to", "notes"]


@transaction.atomic
def source_create(*, review, actor, **fields) -> SearchSource:
    source = SearchSource(review=review, **fields)
    source.full_clean()
    source.save()
    audit_record(
        action="source.created", actor=actor, review=review, obj=source,
        new={f: getattr(source, f) for f in SOURCE_FIELDS},
    )
    return source


@transaction.atomic
def source_update(*, source: SearchSource, actor, expected_version: int | None, **changes) -> SearchSource:
    locked = SearchSource.objects.select_for_update().get(pk=source.pk)
    check_version(locked.version, expected_version)
    old = {f: getattr(locked, f) for f in changes}
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    changed = {f: v for f, v in changes.items() if old[f] != v}
    if changed:
        locked.version += 1
        locked.save()
        audit_record(
            action="source.updated", actor=actor, review=locked.review, obj=locked,
            old={f: old[f] for f in changed}, new=changed,
        )
    return locked
