"""Study characteristics (one row per study), long-format data and the appraisal summary."""

from __future__ import annotations

import pandas as pd

from concord.frames import records_frame
from extraction.definitions import cells_for
from extraction.formspec import display
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS
from extraction.models import FormVersion
from extraction.selectors import locked_consensus


def _versions(review) -> dict[int, FormVersion]:
    return {v.number: v for v in FormVersion.objects.filter(review=review)}


def long_frame(review) -> pd.DataFrame:
    """One row per locked value: study, form version, section, field, arm, time point, value."""
    versions = _versions(review)
    rows = []
    for s in locked_consensus(review, kind="extraction").studies:
        for cell in cells_for(kind="extraction", form_version=versions[s.form_version]):
            if cell.key not in s.data:
                continue
            rows.append({
                "study": s.label, "study_id": s.study_id, "form_version": s.form_version,
                "section": cell.section, "field": cell.field, "component": cell.component, "arm": cell.arm,
                "timepoint": cell.timepoint, "key": cell.key, "label": cell.label,
                "value": display(s.data[cell.key]), "unit": cell.unit,
            })
    columns = ["study", "study_id", "form_version", "section", "field", "component", "arm", "timepoint",
               "key", "label", "value", "unit"]
    return pd.DataFrame(rows, columns=columns)


def characteristics_frame(review) -> pd.DataFrame:
    """Table 1 of a review: one row per study, one column per (non-outcome) field."""
    versions = _versions(review)
    columns: dict[str, str] = {}
    rows = []
    for s in locked_consensus(review, kind="extraction").studies:
        row = {"Study": s.label}
        for cell in cells_for(kind="extraction", form_version=versions[s.form_version]):
            if cell.component:
                continue
            label = cell.label + (f" ({cell.unit})" if cell.unit else "")
            columns.setdefault(cell.key, label)
            row[columns[cell.key]] = display(s.data.get(cell.key))
        rows.append(row)
    return pd.DataFrame(rows, columns=["Study", *columns.values()])


def appraisal_frame(review, locked=None) -> pd.DataFrame:
    """One row per appraised study: instrument, each domain's judgement, overall (and NOS stars).

    Instruments without stars leave the stars column empty, not NaN, and stars stay whole numbers.
    """
    rows = []
    locked = locked if locked is not None else locked_consensus(review, kind="appraisal")
    for s in locked.for_kind("appraisal"):
        instrument = INSTRUMENTS[s.instrument]
        result = instrument.score(s.data)
        row = {"Study": s.label, "Instrument": instrument.name}
        for d in instrument.domains:
            judgement = JUDGEMENT_LABELS.get(result.domains[d.key] or "", "")
            stars = result.scores.get(d.key)
            row[f"{d.short}: {d.label}"] = f"{judgement} ({stars}★)" if stars is not None else judgement
        row["Overall"] = JUDGEMENT_LABELS.get(result.overall or "", "")
        if "total" in result.scores:
            row["Stars (0-9)"] = result.scores["total"]
        rows.append(row)
    return records_frame(rows)

