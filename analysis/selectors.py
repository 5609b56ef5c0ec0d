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
