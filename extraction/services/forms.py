"""The extraction form: publishing a change makes a new version once extraction has started."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.formspec import SchemaError, diff_cells, validate
from extraction.formspec.schema import empty
from extraction.models import FormVersion
from extraction.services.common import check_version, require_lead
from review.models import Review
from review.services.audit import audit_record


def current_form(review: Review) -> FormVersion | None:
    return FormVersion.objects.filter(review=review).order_by("-number").first()


@transaction.atomic
def form_publish(*, review: Review, schema: dict, actor, expected_number: int | None = None) -> FormVersion:
    """Save the form. A version nobody has used yet is edited in place; a version in use is
    kept as it is and the change becomes the next version, so no extraction loses its form."""
    require_lead(review, actor)
    try:
        clean = validate(schema)
    except SchemaError as exc:
        raise ValidationError(exc.messages) from None
    # Lock the review row: two leads publishing at once must not both create version n+1.
    Review.objects.select_for_update().filter(pk=review.pk).first()
    current = FormVersion.objects.select_for_update().filter(review=review).order_by("-number").first()
    check_version(current.number if current else 0, expected_number)
    old_schema = current.schema if current else empty()
    if current is not None and current.schema == clean:
        return current
    added, removed = diff_cells(old_schema, clean)
    if current is None or current.extractions.exists():
        version = FormVersion.objects.create(
            review=review, number=(current.number + 1 if current else 1), schema=clean, created_by=actor
        )
        action = "extraction_form.version_created"
    else:
        version = current
        version.schema = clean
        version.save(update_fields=["schema"])
        action = "extraction_form.changed"
    audit_record(action=action, actor=actor, review=review, obj=version, old=old_schema, new=clean,
                 reason=f"version {version.number}: {len(added)} cells added, {len(removed)} removed")
    return version
