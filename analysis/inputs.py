"""Everything one run reads, and the fingerprint that says whether a run is still current."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.collect import DataSet, collect, review_studies
from analysis.conditions import OUTLIERS
from analysis.engine import engine_version
from extraction.fingerprint import fingerprint
from extraction.selectors import LockedData, locked_consensus


@dataclass(frozen=True)
class Inputs:
    main: DataSet
    variants: list[tuple[dict, DataSet | None]]
    fingerprint: str


def gather(analysis, *, locked: LockedData | None = None, studies=None) -> Inputs:
    """The main data set and one per sensitivity variant, all through ``collect``.

    The fingerprint covers the data sets, the specification and the engine version: a run
    is current exactly when all three are what they were.
    """
    if locked is None:
        locked = locked_consensus(analysis.review, kind="extraction")
    if studies is None:
        studies = review_studies(analysis.review)
    main = collect(analysis, locked=locked, studies=studies)
    variants = [
        (
            v,
            None
            if v["kind"] == OUTLIERS
            else collect(analysis, extra_exclude=v["conditions"], locked=locked, studies=studies),
        )
        for v in analysis.sensitivity
    ]
    payload = {
        "spec": analysis.spec(),
        "engine": engine_version(),
        "main": main.fingerprint,
        "variants": [d.fingerprint if d is not None else None for _, d in variants],
    }
    return Inputs(main, variants, fingerprint(payload))
