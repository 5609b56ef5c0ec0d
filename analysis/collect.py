"""The one place that turns locked consensus into the data set an analysis pools.

It reads ``extraction.selectors.locked_consensus`` and nothing else of extraction: open
consensus, single extractions and drafts never reach a number (DESIGN.md invariant 2).
Every study of the review is accounted for, either as a row or as left out with a reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np
import pandas as pd

from analysis.conditions import condition_text, holds
from analysis.measures import MEASURE_INPUTS, SIZE_COLUMNS, cell_key
from analysis.meta import median_to_mean_sd
from extraction.fingerprint import fingerprint
from extraction.selectors import LockedData, included_studies, locked_consensus

NOT_LOCKED = "not locked"
TAMPERED = "tampered: {problem}"
NO_LONGER_INCLUDED = "locked, but no report of it is included at full text any more"
MISSING = "missing data: {cells}"
FILTERED = "filtered out: {condition}"
NOT_CONVERTIBLE = "median of {arm} cannot be converted: {error}"
CONVERSION_NOTE = "{arm}: mean and SD estimated from the median with {summaries} ({method})"
ASSUMED_R = "{arm}: pre-post correlation assumed r = {r}"

WAN_TABLES_NOTE = "; SD from Wan 2014's small-sample tables"
METHOD_NAMES = {"luo-shi": "Luo 2018, Shi 2020", "wan": "Wan 2014", "hozo": "Hozo 2005"}
MEDIAN_PARTS = {"min": "minimum", "q1": "q1", "median": "median", "q3": "q3", "max": "maximum"}


@dataclass(frozen=True)
class StudyRow:
    study_id: int
    label: str
    inputs: dict[str, float]  # escalc's arguments for this study
    raw: dict[str, Any]  # the locked cells read, as "<component>_arm<1|2>"
    fields: dict[str, Any]  # extraction fields used for subgroups and conditions
    conversions: tuple[str, ...] = ()

    @property
    def n(self) -> float:
        return float(sum(self.inputs[c] for c in SIZE_COLUMNS if c in self.inputs))


@dataclass(frozen=True)
class LeftOut:
    study_id: int
    label: str
    reason: str


@dataclass(frozen=True)
class DataSet:
    measure: str
    rows: tuple[StudyRow, ...] = ()
    left_out: tuple[LeftOut, ...] = ()
    fingerprint: str = ""
    # Locked data that disagree with the lock ledger: an analysis refuses to run on them.
    tampered: tuple = ()

    @property
    def k(self) -> int:
        return len(self.rows)

    def columns(self) -> dict[str, np.ndarray]:
        """escalc's keyword arguments, one array per input."""
        names = list(MEASURE_INPUTS[self.measure].columns)
        return {n: np.array([r.inputs[n] for r in self.rows], dtype=float) for n in names}

    def frame(self) -> pd.DataFrame:
        records = [
            {
                "study": r.label,
                **r.inputs,
                **r.raw,
                **r.fields,
                "conversion": "; ".join(r.conversions),
            }
            for r in self.rows
        ]
        return pd.DataFrame.from_records(records)


def _number(value: Any) -> float | None:
    if value in (None, "", []) or isinstance(value, (list, dict, bool)):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return float(number) if number.is_finite() else None


@dataclass
class _Reader:
    analysis: Any
    data: dict
    raw: dict = field(default_factory=dict)
    missing: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    problem: str = ""

    @property
    def wan_tables(self) -> bool:
        # Hozo's rules of thumb have no tables; Wan's apply to the Luo-Shi and Wan methods.
        return bool(self.analysis.wan_tables) and self.analysis.conversion != "hozo"

    def arm_name(self, arm: int) -> str:
        return (self.analysis.arm1 if arm == 1 else self.analysis.arm2) or "single group"

    def cell(self, arm: int, component: str) -> float | None:
        a = self.analysis
        key = cell_key(a.outcome, component, a.arm1 if arm == 1 else a.arm2, a.timepoint)
        value = _number(self.data.get(key))
        if value is not None:
            self.raw[f"{component}_arm{arm}"] = value
        return value

    def mean_sd(self, arm: int) -> tuple[float | None, float | None]:
        """The arm's mean and SD, from a median with range and/or quartiles when the
        study reported those instead (flagged per study)."""
        mean, sd = self.cell(arm, "mean"), self.cell(arm, "sd")
        if mean is not None and sd is not None:
            return mean, sd
        parts = {name: self.cell(arm, comp) for comp, name in MEDIAN_PARTS.items()}
        n = self.cell(arm, "n")
        given = {k: v for k, v in parts.items() if v is not None}
        if "median" not in given or n is None or len(given) < 3:
            return mean, sd
        try:
            est = median_to_mean_sd(
                **given, n=n, method=self.analysis.conversion, tables=self.wan_tables
            )
        except ValueError as exc:
            self.problem = NOT_CONVERTIBLE.format(arm=self.arm_name(arm), error=exc)
            return mean, sd
        summaries = ", ".join(k for k in ("minimum", "q1", "q3", "maximum") if k in given)
        self.notes.append(
            CONVERSION_NOTE.format(
                arm=self.arm_name(arm),
                summaries=summaries,
                method=METHOD_NAMES[self.analysis.conversion]
                + (WAN_TABLES_NOTE if self.wan_tables else ""),
            )
        )
        return float(est.mean), float(est.sd)


def _inputs(analysis, data: dict) -> tuple[dict, dict, tuple, str]:
    """(escalc inputs, raw cells, conversion notes, reason left out or "")."""
    spec = MEASURE_INPUTS[analysis.measure]
    reader = _Reader(analysis, data)
    inputs: dict[str, float | None] = {}
    converted: dict[int, tuple] = {}
    for name, (arm, component) in spec.columns.items():
        if spec.outcome_type == "continuous" and component in ("mean", "sd"):
            if arm not in converted:
                converted[arm] = reader.mean_sd(arm)
            inputs[name] = converted[arm][0 if component == "mean" else 1]
        else:
            inputs[name] = reader.cell(arm, component)
    if spec.outcome_type == "change" and inputs.get("ri") is None:
        if analysis.assumed_correlation is not None:
            inputs["ri"] = float(analysis.assumed_correlation)
            reader.notes.append(
                ASSUMED_R.format(arm=reader.arm_name(1), r=analysis.assumed_correlation)
            )
    if reader.problem:
        return {}, reader.raw, (), reader.problem
    missing = [
        cell_key(
            analysis.outcome, comp, analysis.arm1 if arm == 1 else analysis.arm2, analysis.timepoint
        )
        for name, (arm, comp) in spec.columns.items()
        if inputs[name] is None
    ]
    if missing:
        return {}, reader.raw, (), MISSING.format(cells=", ".join(missing))
    return inputs, reader.raw, tuple(reader.notes), ""


def _field_value(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return value


def review_studies(review) -> list[tuple[int, str]]:
    """(id, label) of every study the review includes, in table order."""
    return list(included_studies(review).values_list("id", "label"))


def collect(
    analysis,
    *,
    extra_exclude: list[dict] = (),
    locked: LockedData | None = None,
    studies: list[tuple[int, str]] | None = None,
) -> DataSet:
    """The tidy data set of ``analysis``: one row per locked study with the data it needs.

    ``extra_exclude`` adds conditions (a sensitivity variant) to the analysis' own
    ``exclude``. ``locked`` and ``studies`` (from ``review_studies``) let a caller that
    collects many analyses read them once.
    """
    review = analysis.review
    if locked is None:
        locked = locked_consensus(review, kind="extraction")
    if studies is None:
        studies = review_studies(review)
    by_study = {s.study_id: s for s in locked.studies if s.kind == "extraction"}
    tampered = tuple(t for t in locked.tampered if t.kind == "extraction")
    suspect = {t.study_id: t for t in tampered}
    conditions = [*analysis.exclude, *extra_exclude]
    wanted_fields = [analysis.subgroup_field, *(c["field"] for c in conditions)]
    wanted_fields = list(dict.fromkeys(f for f in wanted_fields if f))
    rows, left_out = [], []
    for study_id, label in studies:
        entry = by_study.get(study_id)
        if study_id in suspect:
            left_out.append(LeftOut(study_id, label, TAMPERED.format(problem=suspect[study_id].problem)))
            continue
        if entry is None:
            left_out.append(LeftOut(study_id, label, NOT_LOCKED))
            continue
        dropped_by = next((c for c in conditions if holds(c, entry.data.get(c["field"]))), None)
        if dropped_by is not None:
            left_out.append(
                LeftOut(study_id, label, FILTERED.format(condition=condition_text(dropped_by)))
            )
            continue
        inputs, raw, notes, reason = _inputs(analysis, entry.data)
        if reason:
            left_out.append(LeftOut(study_id, label, reason))
            continue
        fields = {f: _field_value(entry.data.get(f)) for f in wanted_fields}
        rows.append(StudyRow(study_id, label, inputs, raw, fields, notes))
    # Locked data never vanish without a word: a study that dropped out of the included
    # studies, or whose consensus is gone, is listed too.
    listed = {study_id for study_id, _ in studies}
    for entry in by_study.values():
        if entry.study_id not in listed:
            left_out.append(LeftOut(entry.study_id, entry.label, NO_LONGER_INCLUDED))
    for t in tampered:
        if t.study_id not in listed:
            left_out.append(LeftOut(t.study_id or 0, t.label, TAMPERED.format(problem=t.problem)))
    payload = {
        "rows": [[r.study_id, r.label, r.inputs, r.fields, list(r.conversions)] for r in rows],
        "left_out": [[x.study_id, x.label, x.reason] for x in left_out],
    }
    return DataSet(analysis.measure, tuple(rows), tuple(left_out), fingerprint(payload), tampered)
