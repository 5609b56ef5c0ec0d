"""Forest and funnel plots of a run, drawn from the run's stored results.

The fits are rebuilt from the stored yi and vi with the stored specification; the engine
is deterministic, so the figure shows exactly the numbers of the run (a download made
after the locked data changed still belongs to the run it was made from).
"""

from __future__ import annotations

import io

import numpy as np
from django.db import transaction

from analysis import meta, pooling
from analysis.compute import fit_kwargs
from analysis.nulls import is_proportion, null_on_scale
from analysis.run_integrity import run_integrity

FORMATS = ("svg", "png", "pdf")
KINDS = ("forest", "funnel")
CONTENT_TYPES = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def has_figures(results: dict) -> bool:
    return bool(results.get("studies"))


def _fit(results: dict):
    spec = results["spec"]
    studies = results["studies"]
    yi = np.array([s["yi"] for s in studies], dtype=float)
    vi = np.array([s["vi"] for s in studies], dtype=float)
    labels = [s["label"] for s in studies]
    # The sample sizes go in too: PFT's back-transformation needs them.
    ni = np.array([s["n"] for s in studies], dtype=float)
    res = meta.rma(yi, vi, measure=spec["measure"], slab=labels, ni=ni, **fit_kwargs(spec))
    return res, yi, vi, labels


def _subgroup_fit(results: dict, res, yi, vi, labels):
    sub = results.get("subgroups") or {}
    if "groups" not in sub or len(sub["groups"]) < 2:
        return None
    spec = results["spec"]
    index = {label: i for i, label in enumerate(labels)}
    keep = [index[label] for label in sub["studies"]]
    return meta.subgroup(
        yi[keep],
        vi[keep],
        sub["labels"],
        measure=spec["measure"],
        ni=res.ni[keep],
        slab=[labels[i] for i in keep],
        **fit_kwargs(spec),
    )


def _whole(value) -> str:
    if value is None:
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _mean_sd_n(m, sd, n) -> str:
    if m is None:
        return ""
    return f"{float(m):.2f} ({float(sd):.2f}) {_whole(n)}" if sd is not None else f"{float(m):.2f} {_whole(n)}"


def study_columns(results: dict) -> list[tuple[str, dict[str, str]]]:
    """The forest plot's data columns from each study's escalc inputs: events/total per arm
    for 2x2 data and single proportions, mean (SD) n per arm for continuous outcomes."""
    spec = results["spec"]
    studies = results["studies"]
    arm1 = spec.get("arm1") or "Group"
    arm2 = spec.get("arm2") or "Control"

    def column(header, text):
        return (header, {s["label"]: text(s["inputs"]) for s in studies})

    first = studies[0]["inputs"] if studies else {}
    if {"ai", "n1i", "ci", "n2i"} <= set(first):
        return [column(f"{arm1} events/total", lambda i: f"{_whole(i['ai'])}/{_whole(i['n1i'])}"),
                column(f"{arm2} events/total", lambda i: f"{_whole(i['ci'])}/{_whole(i['n2i'])}")]
    if {"xi", "ni"} <= set(first):
        return [column(f"{arm1} events/total", lambda i: f"{_whole(i['xi'])}/{_whole(i['ni'])}")]
    if {"m1i", "n1i", "m2i", "n2i"} <= set(first):
        return [column(f"{arm1} mean (SD) n", lambda i: _mean_sd_n(i["m1i"], i.get("sd1i"), i["n1i"])),
                column(f"{arm2} mean (SD) n", lambda i: _mean_sd_n(i["m2i"], i.get("sd2i"), i["n2i"]))]
    if {"mi", "ni"} <= set(first):
        return [column(f"{arm1} mean (SD) n", lambda i: _mean_sd_n(i["mi"], i.get("sdi"), i["ni"]))]
    return []


def _null(results: dict, res) -> float | None:
    """The lead's null proportion (analysis scale), None for a proportion without one, and
    no effect (0 on the analysis scale) for every other measure."""
    spec = results["spec"]
    return null_on_scale(spec["measure"], spec.get("null_value"), res.ni)


def _counts(results: dict, labels) -> dict:
    """The studies' escalc inputs (events and totals), for the count-based models and the
    proportion intervals."""
    return pooling.counts_of([s["inputs"] for s in results["studies"]])


def _presentation(results: dict) -> dict:
    """The lead's presentation choices: data columns, "favours" labels, a proportion's null."""
    spec = results["spec"]
    favours = (spec.get("favours_left", ""), spec.get("favours_right", ""))
    return {"columns": study_columns(results), "favours": favours if any(favours) else None,
            "null": spec.get("null_value") if is_proportion(spec["measure"]) else None}


def _forest_options(results: dict, counts: dict) -> dict:
    spec = results["spec"]
    options = {"i2": spec.get("i2_convention", "tau2")}
    if "xi" in counts and spec["measure"] in ("PR", "PLN", "PLO", "PAS", "PFT"):
        options.update(xi=counts["xi"], study_ci=spec.get("study_ci", "clopper-pearson"))
    return options


def _other_forest(results: dict, labels):
    """Forest plot of a Mantel-Haenszel, Peto or GLMM analysis, refitted from the counts."""
    spec = results["spec"]
    counts = _counts(results, labels)
    main = pooling.with_labels(pooling.fit(spec, counts, labels), counts, labels)
    options = _forest_options(results, counts)
    if spec["measure"] == "PLO":
        options.pop("xi", None)  # a GLMM fit carries its own counts
    sub = results.get("subgroups") or {}
    subgroups = None
    if "groups" in sub and len(sub["groups"]) >= 2:
        index = {label: i for i, label in enumerate(labels)}
        keep = [index[label] for label in sub["studies"]]
        part = {n: v[keep] for n, v in counts.items()}
        subgroups = pooling.subgroups(spec, part, sub["studies"], sub["labels"])
        if len(keep) != len(labels):
            main = pooling.with_labels(
                pooling.fit(spec, part, sub["studies"]), part, sub["studies"]
            )
    return meta.forest_plot(main, subgroups=subgroups, **options, **_presentation(results))


def figure(results: dict, kind: str):
    res, yi, vi, labels = _fit(results)
    spec = results["spec"]
    if kind == "forest" and pooling.pooling_of(spec) != "iv":
        return _other_forest(results, labels)
    if kind == "forest":
        subgroups = _subgroup_fit(results, res, yi, vi, labels)
        if subgroups is not None and len(sub_labels := results["subgroups"]["studies"]) != len(
            labels
        ):
            # Studies without a subgroup value are outside the subgroup sections; the
            # overall diamond must then be fitted on the same studies as the sections.
            keep = [labels.index(lab) for lab in sub_labels]
            res = meta.rma(
                yi[keep],
                vi[keep],
                measure=res.measure,
                slab=sub_labels,
                ni=res.ni[keep],
                **fit_kwargs(results["spec"]),
            )
        options = _forest_options(results, _counts(results, labels))
        if subgroups is not None and "xi" in options:
            keep = [labels.index(lab) for lab in results["subgroups"]["studies"]]
            options["xi"] = options["xi"][keep] if len(keep) != len(labels) else options["xi"]
        return meta.forest_plot(res, subgroups=subgroups, **options, **_presentation(results))
    tf = None
    if "trimfill" in results["spec"]["small_study_tests"] and res.k >= 3:
        try:
            tf = meta.trimfill(res)
        except (ValueError, meta.ConvergenceError):
            tf = None
    # Shaded where a study would be significant at 10%, 5% and 1% against the analysis's
    # null (Peters et al. 2008): missing studies in the white zone point to publication
    # bias. A single proportion has a null only if the lead set one, and the contours use
    # it, as the p-values do; without one there is nothing to be significant against.
    null = _null(results, res)
    contours = [90, 95, 99] if "contours" in spec["small_study_tests"] and null is not None else None
    null_label = "no effect"
    if is_proportion(spec["measure"]):
        null_label = f"a proportion of {spec['null_value']:g}" if spec.get("null_value") is not None else None
    return meta.funnel_plot(res, trimfill=tf, contours=contours, refline=null, null_label=null_label)


def render(results: dict, kind: str, fmt: str) -> bytes:
    buffer = io.BytesIO()
    meta.save_figure(figure(results, kind), buffer, format=fmt)
    return buffer.getvalue()


def cached_svg(run, kind: str) -> str:
    """The run's SVG of ``kind``, drawn and stored on first use."""
    field = f"{kind}_svg"
    svg = getattr(run, field)
    if not svg:
        svg = render(run.results, kind, "svg").decode()
        with transaction.atomic():
            stored = type(run).objects.select_for_update().get(pk=run.pk)
            # Only fill an empty cache, and carry the integrity fingerprint forward only for a
            # run that was intact: drawing must never bless an edited run.
            if not getattr(stored, field):
                intact = stored.integrity == run_integrity(stored)
                setattr(stored, field, svg)
                changes = {field: svg}
                if intact:
                    changes["integrity"] = run_integrity(stored)
                type(run).objects.filter(pk=run.pk).update(**changes)
                run.integrity = changes.get("integrity", stored.integrity)
            else:
                svg = getattr(stored, field)
        setattr(run, field, svg)
    return svg
