"""Stored run results as the pages show them, whenever the run was computed.

Runs stored before the natural-scale leave-one-out and the proportion null (issue 12) keep
their results as computed; their fingerprint is unchanged, so they are not stale. Pages read
them through ``shown_results``, which shows them with today's meaning without touching the
stored run: a single proportion's p-value against a transformed 0 is not shown, and
leave-one-out estimates are back-transformed as new runs store them.
"""

from __future__ import annotations

import copy

import numpy as np

from analysis import meta
from analysis.meta.transforms import transform_name
from analysis.nulls import is_proportion


def _pooled_dicts(results: dict):
    if isinstance(results.get("pooled"), dict):
        yield results["pooled"]
    sub = results.get("subgroups") or {}
    yield from (g for g in (sub.get("groups") or {}).values() if isinstance(g, dict))
    for variant in results.get("sensitivity") or []:
        if isinstance(variant.get("pooled"), dict):
            yield variant["pooled"]
    trimfill = (results.get("small_study") or {}).get("trimfill") or {}
    if isinstance(trimfill.get("pooled"), dict):
        yield trimfill["pooled"]


def _natural_leave1out(results: dict, rows: list[dict]) -> None:
    measure = results.get("measure")
    transform = transform_name(measure)
    studies = results.get("studies") or []
    ni = np.array([s.get("n") if s.get("n") is not None else np.nan for s in studies], dtype=float)
    for i, row in enumerate(rows):
        if "natural" in row:
            continue
        values = [row.get(k) for k in ("estimate", "ci_lb", "ci_ub")]
        if any(v is None for v in values) or (transform == "ipft.hm" and len(ni) != len(rows)):
            row["natural"] = {"transform": transform, "estimate": None, "ci_lb": None, "ci_ub": None}
            continue
        natural = meta.back_transform(measure, values, ni=np.delete(ni, i) if transform == "ipft.hm" else None)
        row["natural"] = {"transform": transform, **{k: float(v) for k, v in
                                                     zip(("estimate", "ci_lb", "ci_ub"), natural, strict=True)}}


def shown_results(results: dict | None) -> dict | None:
    """A copy of ``results`` with old runs' proportion p-values hidden and leave-one-out
    estimates on the natural scale; new runs come back as they are."""
    if not results:
        return results
    proportion = is_proportion(results.get("measure", ""))
    rows = results.get("leave1out")
    old_pooled = proportion and any("null" not in p for p in _pooled_dicts(results))
    old_l1o = isinstance(rows, list) and any("natural" not in r for r in rows)
    if not (old_pooled or old_l1o):
        return results
    out = copy.deepcopy(results)
    if old_pooled:
        for pooled in _pooled_dicts(out):
            if "null" not in pooled:
                pooled.update(null=None, zval=None, pval=None)
        if isinstance(out.get("leave1out"), list):
            for row in out["leave1out"]:
                row["pval"] = None
    if old_l1o:
        _natural_leave1out(out, out["leave1out"])
    return out
