"""State changes of analysis: define, edit and delete analyses; run them.

Keyword-only functions, one transaction each, an audit event beside every change.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from analysis import figures
from analysis.availability import availability
from analysis.collect import review_studies
from analysis.compute import compute
from analysis.conventions import check_pooling
from analysis.engine import engine_version
from analysis.inputs import gather
from analysis.measures import MEASURE_INPUTS
from analysis.models import Analysis, AnalysisRun
from analysis.nulls import PROPORTIONS
from analysis.run_integrity import results_fingerprint, run_integrity
from extraction.selectors import locked_consensus
from review.permissions import ROLE_REQUIRED
from review.services.audit import audit_record

TAMPERED_DATA = ("This analysis will not run: locked data disagree with the lock ledger ({studies}). "
                 "Run manage.py lock_status and restore the data, or unlock and relock them with a reason.")
STALE_EDIT = "Someone changed this analysis since you opened it; reload the page and try again."
NEEDS_CONTROL_ARM = "This effect measure compares two arms: choose the control arm."
NEEDS_ONE_ARM = "This effect measure describes one group: leave the control arm empty."
SAME_ARMS = "The two arms must differ."
NOT_IN_REVIEW = "Analysis {pk} is not one of this review's analyses."

EDITABLE = (
    "name",
    "outcome",
    "timepoint",
    "arm1",
    "arm2",
    "measure",
    "method",
    "re_method",
    "test",
    "level",
    "conversion",
    "assumed_correlation",
    "subgroup_field",
    "exclude",
    "sensitivity",
    "small_study_tests",
    "favours_left",
    "favours_right",
    "null_value",
    "pooling",
    "i2_convention",
    "pi_type",
    "study_ci",
    "wan_tables",
)
NULL_FOR_PROPORTIONS = "A null value applies to a single proportion; leave it empty for {measure}."


def _now() -> dt.datetime:
    return timezone.now()


def _require_lead(review, actor) -> None:
    membership = review.memberships.filter(user=actor, removed_at__isnull=True).first()
    if membership is None or not membership.is_lead:
        raise PermissionDenied(ROLE_REQUIRED.format(role="lead"))


def _check_arms(analysis: Analysis) -> None:
    two_arms = MEASURE_INPUTS[analysis.measure].two_arms
    if two_arms and not analysis.arm2:
        raise ValidationError({"arm2": NEEDS_CONTROL_ARM})
    if not two_arms and analysis.arm2:
        raise ValidationError({"arm2": NEEDS_ONE_ARM})
    if two_arms and analysis.arm1 == analysis.arm2:
        raise ValidationError({"arm2": SAME_ARMS})
    if analysis.null_value is not None and analysis.measure not in PROPORTIONS:
        raise ValidationError({"null_value": NULL_FOR_PROPORTIONS.format(measure=analysis.measure)})


@transaction.atomic
def analysis_create(*, review, actor, values: dict) -> Analysis:
    _require_lead(review, actor)
    last = review.analyses.order_by("-position").values_list("position", flat=True).first()
    analysis = Analysis(review=review, created_by=actor, position=(last or 0) + 1)
    for name in EDITABLE:
        if name in values:
            setattr(analysis, name, values[name])
    analysis.full_clean()
    _check_arms(analysis)
    check_pooling(analysis)
    analysis.save()
    audit_record(
        action="analysis.created", actor=actor, review=review, obj=analysis, new=analysis.spec()
    )
    return analysis


@transaction.atomic
def analysis_update(
    *, analysis: Analysis, actor, values: dict, expected_version: int | None
) -> Analysis:
    locked = Analysis.objects.select_for_update().select_related("review").get(pk=analysis.pk)
    _require_lead(locked.review, actor)
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(STALE_EDIT, code="stale")
    old = {"name": locked.name, **locked.spec()}
    for name in EDITABLE:
        if name in values:
            setattr(locked, name, values[name])
    locked.full_clean()
    _check_arms(locked)
    check_pooling(locked)
    locked.version += 1
    locked.save()
    audit_record(
        action="analysis.updated",
        actor=actor,
        review=locked.review,
        obj=locked,
        old=old,
        new={"name": locked.name, **locked.spec()},
    )
    return locked


@transaction.atomic
def analysis_delete(*, analysis: Analysis, actor) -> None:
    _require_lead(analysis.review, actor)
    audit_record(
        action="analysis.deleted",
        actor=actor,
        review=analysis.review,
        obj=analysis,
        old={"name": analysis.name, **analysis.spec()},
    )
    analysis.delete()


@transaction.atomic
def report_arrange(*, review, actor, choices: dict[int, tuple[bool, int]]) -> None:
    """Set which analyses go into the printable report and in what order.

    ``choices`` maps an analysis id to (in the report, order); an analysis not named keeps
    its choice. Orders are renumbered 1, 2, ... in the order given (ties by position), so the
    report reads as the lead arranged it.
    """
    _require_lead(review, actor)
    analyses = {a.pk: a for a in review.analyses.select_for_update().order_by("position", "id")}
    unknown = [pk for pk in choices if pk not in analyses]
    if unknown:
        raise ValidationError(NOT_IN_REVIEW.format(pk=unknown[0]))
    old = {str(pk): [a.in_report, a.report_order] for pk, a in analyses.items()}
    ranked = sorted(
        analyses.values(),
        key=lambda a: (choices[a.pk][1] if a.pk in choices else a.report_order, a.position, a.pk),
    )
    for number, a in enumerate(ranked, start=1):
        if a.pk in choices:
            a.in_report = bool(choices[a.pk][0])
        a.report_order = number
    Analysis.objects.bulk_update(ranked, ["in_report", "report_order"])
    audit_record(
        action="analysis.report_arranged",
        actor=actor,
        review=review,
        obj=review,
        old=old,
        new={str(a.pk): [a.in_report, a.report_order] for a in ranked},
    )


def refuse_tampered(tampered) -> None:
    if tampered:
        raise ValidationError(TAMPERED_DATA.format(studies="; ".join(str(t) for t in tampered)))


def analysis_run(
    *, analysis: Analysis, actor=None, locked=None, studies=None, with_figures: bool = True
) -> AnalysisRun:
    """Compute the analysis from locked consensus now and store the run.

    The statistics run outside the transaction (they read nothing that the write below
    depends on); only storing the run and its audit event is atomic.
    """
    if actor is not None:
        _require_lead(analysis.review, actor)
    if locked is None:
        locked = locked_consensus(analysis.review, kind="extraction")
    if studies is None:
        studies = review_studies(analysis.review)
    inputs = gather(analysis, locked=locked, studies=studies)
    refuse_tampered(inputs.main.tampered)
    results = compute(analysis.spec(), inputs.main, inputs.variants)
    if inputs.main.k == 0:
        # Said precisely: which outcome, arm or time point the locked studies lack.
        available = availability(analysis.review, locked=locked, studies=studies)
        results["error"] = available.why_empty(analysis, inputs.main)
    forest = funnel = ""
    if with_figures and figures.has_figures(results):
        forest = figures.render(results, "forest", "svg").decode()
        funnel = figures.render(results, "funnel", "svg").decode()
    with transaction.atomic():
        run = AnalysisRun(
            analysis=analysis,
            fingerprint=inputs.fingerprint,
            engine_version=engine_version(),
            results=results,
            forest_svg=forest,
            funnel_svg=funnel,
            created_at=_now(),
            created_by=actor,
        )
        run.integrity = run_integrity(run)
        run.save()
        audit_record(
            action="analysis.run",
            actor=actor,
            review=analysis.review,
            obj=run,
            new={
                "analysis": analysis.pk,
                "fingerprint": run.fingerprint,
                "k": results["k"],
                "engine_version": run.engine_version,
                "results_fingerprint": results_fingerprint(results),
            },
        )
    return run


def analyses_run_all(*, review, actor=None, with_figures: bool = False) -> list[AnalysisRun]:
    """Recompute every analysis of the review, reading the locked consensus once.

    Plots are left to be drawn on first view (``figures.cached_svg``): drawing is most of
    the cost, and a recomputation of many analyses should not wait for pictures nobody
    has asked for yet.
    """
    if actor is not None:
        _require_lead(review, actor)
    locked = locked_consensus(review, kind="extraction")
    refuse_tampered(locked.tampered)
    studies = review_studies(review)
    return [
        analysis_run(
            analysis=a, actor=actor, locked=locked, studies=studies, with_figures=with_figures
        )
        for a in review.analyses.select_related("review")
    ]
