"""Which instrument appraises a study: it follows the design; the lead may override it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from extraction.instruments import DEFAULT_FOR_DESIGN, INSTRUMENTS
from extraction.models import AppraisalPlan, Extraction
from extraction.services.common import check_version, require_lead
from review.models import Study
from review.services.audit import audit_record

UNKNOWN_DESIGN = "Unknown study design {design!r}."
DESIGN_NOT_CHOSEN = "Choose the study's design first: it decides which appraisal instrument the reviewers use."
UNKNOWN_INSTRUMENT = "Unknown instrument {code!r}."
OVERRIDE_NEEDS_REASON = "Give a reason for using another instrument than the design's."
APPRAISAL_STARTED = "Appraisal of this study has started; its instrument can no longer change."


@transaction.atomic
def appraisal_plan_set(
    *, study: Study, design: str, actor, instrument: str = "", reason: str = "", expected_version: int | None
) -> AppraisalPlan:
    """Set a study's design and instrument; ``expected_version`` is the plan's version the page
    showed, 0 when it showed no plan."""
    require_lead(study.review, actor)
    if not design:
        raise ValidationError(DESIGN_NOT_CHOSEN)
    if design not in DEFAULT_FOR_DESIGN:
        raise ValidationError(UNKNOWN_DESIGN.format(design=design))
    default = DEFAULT_FOR_DESIGN[design]
    instrument = instrument or default
    if instrument not in INSTRUMENTS:
        raise ValidationError(UNKNOWN_INSTRUMENT.format(code=instrument))
    overridden = instrument != default
    if overridden and not reason.strip():
        raise ValidationError(OVERRIDE_NEEDS_REASON)
    # The study row is locked first so that two first plans for one study queue up instead of colliding.
    Study.objects.select_for_update().get(pk=study.pk)
    plan = AppraisalPlan.objects.select_for_update().filter(study=study).first()
    check_version(plan.version if plan else 0, expected_version)
    old = {"design": plan.design, "instrument": plan.instrument} if plan else None
    if plan and plan.instrument != instrument and Extraction.objects.filter(study=study, kind="appraisal").exists():
        raise ValidationError(APPRAISAL_STARTED)
    if plan is None:
        plan = AppraisalPlan(study=study)
    else:
        plan.version += 1
    plan.design, plan.instrument, plan.overridden = design, instrument, overridden
    plan.reason = reason.strip() if overridden else ""
    plan.full_clean()
    plan.save()
    audit_record(action="appraisal.plan_set", actor=actor, review=study.review, obj=study, old=old,
                 new={"design": design, "instrument": instrument, "overridden": overridden}, reason=plan.reason)
    return plan
