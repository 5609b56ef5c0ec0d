"""Independent extraction: each assigned person fills in their own copy, then submits it.

Audit events here record which cells changed and a fingerprint of the submitted values, never
the values themselves: the audit log must not show one extractor's values to the other
before both have submitted (DESIGN.md invariant 1). The values stay in the Extraction row.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from extraction.definitions import cells_for
from extraction.fingerprint import fingerprint
from extraction.formspec import ValueError_, coerce
from extraction.instruments import INSTRUMENTS
from extraction.models import AppraisalPlan, Assignment, Extraction
from extraction.services.common import _now, check_version
from extraction.services.forms import current_form
from extraction.services.reconciliation import consensus_open
from review.models import Membership, Study
from review.services.audit import audit_record

NOT_ASSIGNED = "You are not assigned to this study."
ROLE_REMOVED = "You no longer hold the reviewer role in this review: extraction and appraisal are closed to you."
NO_FORM = "The lead has not published an extraction form yet."
NO_PLAN = "The lead has not chosen the study design (and so the instrument) yet."
ALREADY_SUBMITTED = "You have already submitted this; it can no longer change."
MISSING_REQUIRED = "Required before submitting: {labels}."
APPRAISAL_INCOMPLETE = "Answer every question the algorithm needs before submitting: {domains}."


def _pinned_definition(study: Study, kind: str) -> dict:
    """Both extractors of a study work on the same form version (or instrument), so that their
    entries compare cell for cell: the second one gets whatever the first one started with."""
    first = Extraction.objects.filter(study=study, kind=kind).select_related("form_version").first()
    if first is not None:
        return {"form_version": first.form_version, "instrument": first.instrument}
    if kind == "appraisal":
        plan = AppraisalPlan.objects.filter(study=study).first()
        if plan is None:
            raise ValidationError(NO_PLAN)
        return {"form_version": None, "instrument": plan.instrument}
    form = current_form(study.review)
    if form is None:
        raise ValidationError(NO_FORM)
    return {"form_version": form, "instrument": ""}


def require_extractor(review, user) -> None:
    """Extraction and appraisal need the reviewer role now, not only an assignment made while
    the member held it; their submitted work stays as it is."""
    if not Membership.active.filter(review=review, user=user, is_reviewer=True).exists():
        raise PermissionDenied(ROLE_REMOVED)


def extraction_start(*, study: Study, kind: str, user) -> Extraction:
    """The user's own extraction for this study, created on first visit."""
    require_extractor(study.review, user)
    assignment = Assignment.objects.filter(study=study, kind=kind, user=user).first()
    if assignment is None:
        raise PermissionDenied(NOT_ASSIGNED)
    existing = Extraction.objects.filter(study=study, kind=kind, user=user).select_related("form_version").first()
    if existing:
        return existing
    with transaction.atomic():
        Study.objects.select_for_update().filter(pk=study.pk).first()
        extraction, created = Extraction.objects.get_or_create(
            study=study, kind=kind, user=user,
            defaults={"slot": assignment.slot, **_pinned_definition(study, kind)},
        )
        if created:
            audit_record(action=f"{kind}.started", actor=user, review=study.review, obj=extraction,
                         new={"form_version": extraction.form_version.number if extraction.form_version else None,
                              "instrument": extraction.instrument})
    return extraction


def parse_values(extraction: Extraction, raw: dict) -> tuple[dict, list[str]]:
    """Coerce raw strings (or lists) into stored values; returns (values, error messages)."""
    values, errors = {}, []
    for cell in cells_for(kind=extraction.kind, form_version=extraction.form_version,
                          instrument=extraction.instrument):
        if cell.key not in raw:
            continue
        try:
            value = coerce(cell, raw[cell.key])
        except ValueError_ as exc:
            errors.append(str(exc))
            continue
        if value is not None:
            values[cell.key] = value
    return values, errors


@transaction.atomic
def extraction_save(*, extraction: Extraction, actor, values: dict, expected_version: int | None) -> Extraction:
    """Save a draft. `values` are already coerced (parse_values); the whole set replaces the draft."""
    locked = Extraction.objects.select_for_update().select_related("study__review").get(pk=extraction.pk)
    if locked.user_id != actor.pk:
        raise PermissionDenied(NOT_ASSIGNED)
    require_extractor(locked.study.review, actor)
    if locked.status == Extraction.SUBMITTED:
        raise ValidationError(ALREADY_SUBMITTED)
    check_version(locked.version, expected_version)
    changed = sorted(k for k in set(locked.data) | set(values) if locked.data.get(k) != values.get(k))
    if not changed:
        return locked
    locked.data = values
    locked.version += 1
    locked.save(update_fields=["data", "version"])
    audit_record(action=f"{locked.kind}.saved", actor=actor, review=locked.study.review, obj=locked,
                 new={"changed_cells": changed})
    return locked


def _check_complete(extraction: Extraction) -> None:
    if extraction.kind == "appraisal":
        result = INSTRUMENTS[extraction.instrument].score(extraction.data)
        open_domains = [k for k, v in result.domains.items() if v is None]
        if open_domains:
            raise ValidationError(APPRAISAL_INCOMPLETE.format(domains=", ".join(open_domains)))
        return
    missing = [c.label for c in cells_for(kind=extraction.kind, form_version=extraction.form_version)
               if c.required and extraction.data.get(c.key) in (None, "", [])]
    if missing:
        raise ValidationError(MISSING_REQUIRED.format(labels=", ".join(missing)))


@transaction.atomic
def extraction_submit(*, extraction: Extraction, actor, expected_version: int | None) -> Extraction:
    """Submit; when the second of the pair submits, the consensus and its discrepancies open."""
    # Lock the study first: the two extractors may submit at the same moment, and exactly one
    # of them must see both submitted and open the consensus.
    Study.objects.select_for_update().filter(pk=extraction.study_id).first()
    locked = Extraction.objects.select_for_update(of=("self",)).select_related("study__review", "form_version").get(
        pk=extraction.pk)
    if locked.user_id != actor.pk:
        raise PermissionDenied(NOT_ASSIGNED)
    require_extractor(locked.study.review, actor)
    if locked.status == Extraction.SUBMITTED:
        raise ValidationError(ALREADY_SUBMITTED)
    check_version(locked.version, expected_version)
    _check_complete(locked)
    locked.status = Extraction.SUBMITTED
    locked.submitted_at = _now()
    locked.version += 1
    locked.save(update_fields=["status", "submitted_at", "version"])
    audit_record(action=f"{locked.kind}.submitted", actor=actor, review=locked.study.review, obj=locked,
                 new={"cells": len(locked.data), "fingerprint": fingerprint(locked.data)})
    pair = list(Extraction.objects.filter(study=locked.study, kind=locked.kind).order_by("slot"))
    if len(pair) == 2 and all(e.status == Extraction.SUBMITTED for e in pair):
        consensus_open(study=locked.study, kind=locked.kind, a=pair[0], b=pair[1], actor=actor)
    return locked
