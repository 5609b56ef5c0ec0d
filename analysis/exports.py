"""Tables of a run as pandas frames, written as CSV or XLSX by ``concord.spreadsheets``.

Numbers are written at full precision (no rounding), so an export equals the engine's
output; rounding is for pages and papers. Frames are built by ``concord.frames.records_frame``:
a row without a column (an error row without ``Q_df``) leaves it empty instead of turning
the whole column into floats (``3.0`` degrees of freedom).
"""

from __future__ import annotations

import pandas as pd

from concord import spreadsheets
from concord.frames import records_frame

TABLE_FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": spreadsheets.CSV_CONTENT_TYPE,
    "xlsx": spreadsheets.XLSX_CONTENT_TYPE,
}

POOLED_COLUMNS = (
    "estimate",
    "ci_lb",
    "ci_ub",
    "pi_lb",
    "pi_ub",
    "se",
    "zval",
    "pval",
    "tau2",
    "I2",
    "H2",
    "Q",
    "Q_df",
    "Q_p",
)


# Which model and which I^2 a row's "I2" is ("I2_source": "from τ²" or "from Q"), the I^2
# from Q with its interval whichever is shown, and the prediction interval's convention.
CONVENTION_COLUMNS = (
    "model_name",
    "I2_source",
    "I2_Q",
    "I2_Q_ci_lb",
    "I2_Q_ci_ub",
    "H_Q",
    "H_Q_ci_lb",
    "H_Q_ci_ub",
    "pi_type",
)


def pooled_row(pooled: dict) -> dict:
    natural = pooled["natural"]
    row = {"k": pooled["k"], "model": pooled["model"]}
    if natural["transform"] != "identity":
        row.update(
            {
                f"{name}_{natural['transform']}": natural[name]
                for name in ("estimate", "ci_lb", "ci_ub", "pi_lb", "pi_ub")
            }
        )
    row.update({name: pooled[name] for name in POOLED_COLUMNS})
    if "null" in pooled:
        # A single proportion: what zval and pval test against (empty: no test).
        row["null_proportion"] = pooled["null"]["value"] if pooled["null"] else None
    # Runs made before the conventions were recorded lack these columns.
    row.update({name: pooled[name] for name in CONVENTION_COLUMNS if name in pooled})
    return row


def review_pooled_frame(items: list[tuple[str, dict]]) -> pd.DataFrame:
    """One row per analysis: (name, run results) pairs, the pooled table of a paper."""
    rows = []
    for name, results in items:
        base = {"analysis": name, "measure": results["measure"], "n_total": results.get("n_total")}
        if "pooled" in results:
            rows.append({**base, **pooled_row(results["pooled"])})
        else:
            rows.append({**base, "k": results["k"], "error": results.get("error", "")})
    return records_frame(rows)


def analysis_pooled_frame(name: str, results: dict) -> pd.DataFrame:
    """The analysis itself, each subgroup, the test for differences, each sensitivity variant."""
    if "pooled" not in results:
        return review_pooled_frame([(name, results)])
    rows = [
        {"analysis": name, "section": "main", "row": "All studies", **pooled_row(results["pooled"])}
    ]
    sub = results.get("subgroups") or {}
    for label, pooled in (sub.get("groups") or {}).items():
        rows.append(
            {
                "analysis": name,
                "section": "subgroup",
                "row": f"{sub['field']} = {label}",
                **pooled_row(pooled),
            }
        )
    if sub.get("groups"):
        rows.append(
            {
                "analysis": name,
                "section": "subgroup test",
                "row": "Test for subgroup differences",
                "Q": sub["Q_between"],
                "Q_df": sub["Q_between_df"],
                "Q_p": sub["Q_between_p"],
                "QM_common_tau2": sub["QM"],
                "QM_df": sub["QM_df"],
                "QM_p": sub["QM_p"],
            }
        )
    for variant in results.get("sensitivity", []):
        row = {
            "analysis": name,
            "section": "sensitivity",
            "row": variant["label"],
            "dropped": "; ".join(variant.get("dropped", [])),
        }
        if "pooled" in variant:
            row.update(pooled_row(variant["pooled"]))
        else:
            row["error"] = variant.get("error", "")
        rows.append(row)
    return records_frame(rows)


# metafor's argument order, group 1 then group 2: PostgreSQL's jsonb does not keep key order,
# so the stored results cannot be trusted to.
_ESCALC_ORDER = ["ai", "bi", "m1i", "sd1i", "n1i", "ci", "di", "m2i", "sd2i", "n2i", "xi", "mi", "sdi", "ni", "ri"]


def _escalc_ordered(inputs: dict) -> dict:
    rank = {name: i for i, name in enumerate(_ESCALC_ORDER)}
    return {key: inputs[key] for key in sorted(inputs, key=lambda k: (rank.get(k, len(rank)), k))}


def dataset_frame(results: dict) -> pd.DataFrame:
    """The analysis data set: study, yi, vi, then escalc's inputs under metafor's names,
    the reported cells and the fields used, so ``rma(yi, vi, data = read.csv(...))`` or
    ``escalc(...)`` in R reproduces the analysis."""
    records = []
    for s in results.get("studies", []):
        records.append(
            {
                "study": s["label"],
                "yi": s["yi"],
                "vi": s["vi"],
                **_escalc_ordered(s["inputs"]),
                **s["raw"],
                **s["fields"],
                "weight": s["weight"],
                "conversion": "; ".join(s["conversions"]),
            }
        )
    return records_frame(records)


def _flat(row: dict) -> dict:
    """A row with its natural-scale block as columns named after the back-transformation
    (``estimate_exp``), after the analysis-scale columns that the CSV keeps as they are."""
    natural = row.get("natural")
    out = {k: v for k, v in row.items() if k != "natural"}
    if isinstance(natural, dict) and natural.get("transform", "identity") != "identity":
        out.update({f"{k}_{natural['transform']}": v for k, v in natural.items() if k != "transform"})
    return out


def table_frame(results: dict, table: str) -> pd.DataFrame:
    value = results.get(table)
    if not isinstance(value, list):
        return pd.DataFrame()
    return records_frame(_flat(row) for row in value)


def analysis_tables(name: str, results: dict) -> dict[str, pd.DataFrame]:
    return {
        "pooled": analysis_pooled_frame(name, results),
        "studies": dataset_frame(results),
        "leave-one-out": table_frame(results, "leave1out"),
        "influence": table_frame(results, "influence"),
        "excluded": records_frame(results.get("left_out", []), columns=["study_id", "label", "reason"]),
    }
