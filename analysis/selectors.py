"""Read-side queries of analysis: analyses with their latest run and whether it is current."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from analysis.collect import review_studies
from analysis.inputs import Inputs, gather
from analysis.models import Analysis, AnalysisRun
from analysis.run_integrity import tampered_runs
from extraction.selectors import locked_consensus


@dataclass
class AnalysisStatus:
    analysis: Analysis
    run: AnalysisRun | None
    inputs: Inputs
    # The stored run no longer matches what was computed (analysis.run_integrity).
    run_tampered: bool = False

    @property
    def stale(self) -> bool:
        return self.run is not None and (self.run.stale or self.run_tampered)

    @property
    def data_tampered(self) -> tuple:
        """Locked data that disagree with the lock ledger; the analysis refuses to run."""
        return self.inputs.main.tampered

    @property
    def state(self) -> str:
        if self.run is None:
            return "not run"
        if self.run_tampered:
            return "tampered"
        return "out of date" if self.run.stale else "current"


def latest_run(analysis: Analysis) -> AnalysisRun | None:
    return analysis.runs.order_by("-created_at", "-id").first()


def _sync_stale(run: AnalysisRun | None, inputs: Inputs) -> None:
    """Keep the run's stale flag in step with the locked data now.

    Extraction cannot call into analysis (dependencies point one way), so a run learns
    that its data were unlocked or changed when it is next looked at. A run whose data
    come back unchanged (unlocked and relocked as they were) is current again.
    """
    if run is None:
        return
    stale = run.fingerprint != inputs.fingerprint
    if stale != run.stale:
        AnalysisRun.objects.filter(pk=run.pk).update(stale=stale)
        run.stale = stale


def analysis_status(analysis: Analysis, *, locked=None) -> AnalysisStatus:
    run = latest_run(analysis)
    inputs = gather(analysis, locked=locked)
    _sync_stale(run, inputs)
    return AnalysisStatus(analysis, run, inputs, run is not None and run.pk in tampered_runs([run]))


def review_statuses(review) -> list[AnalysisStatus]:
    """Every analysis of the review with its latest run, the locked data read once."""
    latest = AnalysisRun.objects.filter(analysis=OuterRef("pk")).order_by("-created_at", "-id")
    analyses = list(
        review.analyses.select_related("review").annotate(
            latest_run_id=Subquery(latest.values("pk")[:1])
        )
    )
    # The plots are read too: the run's integrity fingerprint covers them.
    runs = AnalysisRun.objects.in_bulk([a.latest_run_id for a in analyses if a.latest_run_id])
    tampered = tampered_runs(runs.values())
    locked = locked_consensus(review, kind="extraction")
    studies = review_studies(review)
    out = []
    for a in analyses:
        run = runs.get(a.latest_run_id)
        inputs = gather(a, locked=locked, studies=studies)
        _sync_stale(run, inputs)
        out.append(AnalysisStatus(a, run, inputs, run is not None and run.pk in tampered))
    return out


LEFT_OUT_NOT_CHOSEN = "left out by the lead"
LEFT_OUT_NOT_RUN = "not run yet"
LEFT_OUT_FAILED = "its run pooled nothing ({error})"


def in_report(status: AnalysisStatus) -> tuple[bool, str]:
    """Whether the analysis goes into the printable report, and if not, why.

    The lead's choice decides; until there is one, an analysis goes in when its latest run
    pooled something, so a failed or empty analysis never slips in unchosen.
    """
    chosen = status.analysis.in_report
    if chosen is not None:
        return chosen, "" if chosen else LEFT_OUT_NOT_CHOSEN
    if status.run is None:
        return False, LEFT_OUT_NOT_RUN
    if "pooled" not in status.run.results:
        return False, LEFT_OUT_FAILED.format(error=status.run.results.get("error", ""))
    return True, ""


def report_order(statuses: list[AnalysisStatus]) -> list[AnalysisStatus]:
    return sorted(statuses, key=lambda s: (s.analysis.report_order, s.analysis.position, s.analysis.pk))


def report_statuses(review) -> tuple[list[AnalysisStatus], list[tuple[AnalysisStatus, str]]]:
    """The analyses of the printable report in the lead's order, and those left out with why."""
    chosen, left_out = [], []
    for status in report_order(review_statuses(review)):
        included, why = in_report(status)
        if included:
            chosen.append(status)
        else:
            left_out.append((status, why))
    return chosen, left_out
