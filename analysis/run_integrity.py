"""Whether a stored run is still the run that was computed.

A run keeps a fingerprint of what it read and of what it stored (results and plots) in its
own row, and the fingerprint of its results in its ``analysis.run`` audit event, which is
append-only. A row edited behind the application fails the first check; an edit that also
recomputed the row's fingerprint fails the second. Either way the run is shown as tampered,
never as current, and "Run again" replaces it.
"""

from __future__ import annotations

import json

from extraction.fingerprint import fingerprint
from review.models import AuditEvent

RUN_EVENT = "analysis.run"
RUN_OBJECT = "analysis.analysisrun"


def stored_form(results: dict) -> dict:
    """``results`` as the database gives them back (tuples become lists, keys strings)."""
    return json.loads(json.dumps(results))


def results_fingerprint(results: dict) -> str:
    return fingerprint(stored_form(results))


def run_integrity(run) -> str:
    return fingerprint({
        "inputs": run.fingerprint,
        "engine": run.engine_version,
        "results": stored_form(run.results),
        "forest_svg": run.forest_svg,
        "funnel_svg": run.funnel_svg,
    })


def ledger_results(run_ids) -> dict[int, str | None]:
    """Run id -> the results fingerprint its audit event recorded (None for runs made
    before events carried one)."""
    events = AuditEvent.objects.filter(action=RUN_EVENT, object_type=RUN_OBJECT,
                                       object_id__in=[str(i) for i in run_ids]).order_by("id")
    return {int(e["object_id"]): (e["new_value"] or {}).get("results_fingerprint")
            for e in events.values("object_id", "new_value")}


def tampered_runs(runs) -> set[int]:
    """Ids of ``runs`` whose stored results or plots are no longer what was computed."""
    runs = [r for r in runs if r is not None]
    recorded = ledger_results([r.pk for r in runs])
    out = set()
    for run in runs:
        if run.pk not in recorded or run.integrity != run_integrity(run):
            out.add(run.pk)
        elif recorded[run.pk] is not None and recorded[run.pk] != results_fingerprint(run.results):
            out.add(run.pk)
    return out
