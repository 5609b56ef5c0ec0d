"""The report's screening-methods paragraph: the model, its retraining schedule, the stopping
rule and its statistic at the stop, read from what the review recorded."""

from __future__ import annotations

from django.db.models import Count, Max

from review.models import RankingRun, Review, ScreeningStop
from review.screening.ranking import RETRAIN_EVERY
from review.screening.stopping_status import first_run, stopping_status

REFERENCE = (
    "Callaghan MW, Müller-Hansen F. Statistical stopping criteria for automated screening in systematic "
    "reviews. Systematic Reviews 2020;9:273."
)


def _percent(value: float) -> str:
    return f"{value * 100:g}%"


def _settings_text(settings: dict) -> str:
    return "; ".join(f"{key.replace('_', ' ')} {value}" for key, value in settings.items())


def screening_methods(review: Review) -> dict | None:
    """The paragraph's sentences, or None when the review never ranked its queue."""
    runs = RankingRun.objects.filter(review=review, ready=True)
    last = runs.order_by("-created_at", "-id").first()
    if last is None:
        return None
    retrainings = runs.values("reviewer").annotate(n=Count("id")).aggregate(m=Max("n"))["m"]
    sentences = [
        "Title and abstract screening was prioritised: each reviewer's queue was ordered by predicted relevance "
        "from a TF-IDF representation of title, abstract and keywords and a class-weighted linear classifier "
        f"(settings: {_settings_text(last.settings)}).",
        "Each reviewer's model learnt only from settled decisions (all votes in and agreeing, or the arbiter's "
        "resolution) and that reviewer's own votes, never from a colleague's pending vote. It was retrained "
        f"after every {RETRAIN_EVERY} newly settled records and when the lead asked, {retrainings} time"
        f"{'s' if retrainings != 1 else ''} in all, the last from {last.settled_count} settled records.",
    ]
    rule = (
        f"The stopping rule was the hypergeometric test of Callaghan and Müller-Hansen (2020) of the null "
        f"hypothesis that recall is below {_percent(review.recall_target)}, at a confidence level of "
        f"{_percent(review.stop_confidence)}, over the records screened since ranking began."
    )
    # buscar's ``screened`` counts every screened record and its ``includes_found`` only those
    # since ranking began; the first run's snapshot gives what was settled before.
    first = first_run(review)
    stop = ScreeningStop.objects.filter(review=review, resumed_at__isnull=True).first()
    if stop is not None:
        s = stop.statistic
        p = "not defined" if s.get("p_value") is None else f"{s['p_value']:.4f}"
        sentences += [rule, (
            f"Screening was stopped by the lead on {stop.stopped_at:%Y-%m-%d}, after {s['screened']} of "
            f"{s['total']} records had been screened ({s['screened'] - first.settled_count} since ranking began) "
            f"and {s['includes_found'] + first.includes} included (p = {p}; estimated recall at least "
            f"{s['estimated_recall']:.3f}; rule {'met' if s.get('can_stop') else 'not met'}); the {stop.records} "
            "records left unscreened were marked as ineligible by automation tools."
        )]
    else:
        now = stopping_status(review)
        if now is not None:
            p = "not defined" if now.p_value is None else f"{now.p_value:.4f}"
            sentences += [rule, (
                f"Screening has not been stopped by the rule: at the time of this report, {now.screened} of "
                f"{now.total} records had been screened ({now.screened - first.settled_count} since ranking "
                f"began; p = {p})."
            )]
    return {"sentences": sentences, "reference": REFERENCE}
