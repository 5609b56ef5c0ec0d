"""Every family of effect measure, from locked cells to the stored run, equals the engine
called directly on the same numbers (the engine's own tests hold it to metafor)."""

import numpy as np
import pytest

from analysis import meta
from analysis.models import Analysis
from analysis.services import analysis_run

pytestmark = pytest.mark.django_db

T = "@6 months"
# Test inputs only (not study data): three studies' cells, per arm.
CELLS = [
    {
        "mmt8.mean": ("60.5", "55"),
        "mmt8.sd": ("8", "9.5"),
        "mmt8.n": ("20", "22"),
        "cr.events": ("7", "3"),
        "cr.total": ("20", "22"),
        "cpk.pre_mean": "900",
        "cpk.pre_sd": "300",
        "cpk.post_mean": "450",
        "cpk.post_sd": "250",
        "cpk.n": "20",
    },
    {
        "mmt8.mean": ("58", "57"),
        "mmt8.sd": ("7", "7.5"),
        "mmt8.n": ("35", "30"),
        "cr.events": ("12", "9"),
        "cr.total": ("35", "30"),
        "cpk.pre_mean": "1200",
        "cpk.pre_sd": "500",
        "cpk.post_mean": "700",
        "cpk.post_sd": "400",
        "cpk.n": "35",
        "cpk.correlation": "0.6",
    },
    {
        "mmt8.mean": ("63", "56"),
        "mmt8.sd": ("6", "8"),
        "mmt8.n": ("15", "16"),
        "cr.events": ("9", "2"),
        "cr.total": ("15", "16"),
        "cpk.pre_mean": "800",
        "cpk.pre_sd": "200",
        "cpk.post_mean": "500",
        "cpk.post_sd": "220",
        "cpk.n": "15",
    },
]


def raw_cells(cells):
    raw = {}
    for key, value in cells.items():
        if key.startswith("cpk"):
            raw[f"{key}@IVIg"] = value
        else:
            raw[f"{key}@IVIg{T}"], raw[f"{key}@Control{T}"] = value
    return raw


def column(name, arm=0):
    return np.array([float(c[name][arm] if isinstance(c[name], tuple) else c[name]) for c in CELLS])


CASES = {
    "MD": (
        "mmt8",
        True,
        lambda: dict(
            m1i=column("mmt8.mean"),
            sd1i=column("mmt8.sd"),
            n1i=column("mmt8.n"),
            m2i=column("mmt8.mean", 1),
            sd2i=column("mmt8.sd", 1),
            n2i=column("mmt8.n", 1),
        ),
    ),
    "SMD": ("mmt8", True, lambda: CASES["MD"][2]()),
    "ROM": ("mmt8", True, lambda: CASES["MD"][2]()),
    "MN": (
        "mmt8",
        False,
        lambda: dict(mi=column("mmt8.mean"), sdi=column("mmt8.sd"), ni=column("mmt8.n")),
    ),
    "PLO": ("cr", False, lambda: dict(xi=column("cr.events"), ni=column("cr.total"))),
    "PFT": ("cr", False, lambda: CASES["PLO"][2]()),
    "OR": (
        "cr",
        True,
        lambda: dict(
            ai=column("cr.events"),
            n1i=column("cr.total"),
            ci=column("cr.events", 1),
            n2i=column("cr.total", 1),
        ),
    ),
    "MC": (
        "cpk",
        False,
        lambda: dict(
            m1i=column("cpk.post_mean"),
            m2i=column("cpk.pre_mean"),
            sd1i=column("cpk.post_sd"),
            sd2i=column("cpk.pre_sd"),
            ni=column("cpk.n"),
            ri=np.array([0.5, 0.6, 0.5]),
        ),
    ),
    "SMCR": (
        "cpk",
        False,
        lambda: dict(
            m1i=column("cpk.post_mean"),
            m2i=column("cpk.pre_mean"),
            sd1i=column("cpk.pre_sd"),
            ni=column("cpk.n"),
            ri=np.array([0.5, 0.6, 0.5]),
        ),
    ),
}


@pytest.mark.parametrize("measure", list(CASES))
def test_stored_run_equals_the_engine(team, continuous, lock_study, measure):
    outcome, two_arms, columns = CASES[measure]
    for i, cells in enumerate(CELLS):
        lock_study(f"Study {i + 1}", raw_cells(cells))
    analysis = Analysis.objects.create(
        review=team.review,
        name=measure,
        outcome=outcome,
        timepoint="" if outcome == "cpk" else "6 months",
        arm1="IVIg",
        arm2="Control" if two_arms else "",
        measure=measure,
        method="DL",
        test="knha",
        assumed_correlation=0.5,
        small_study_tests=["egger", "begg"],
    )
    results = analysis_run(analysis=analysis).results
    es = meta.escalc(measure, **columns())
    res = meta.rma(es, method="DL", test="knha")
    assert [s["yi"] for s in results["studies"]] == es.yi.tolist()
    assert [s["vi"] for s in results["studies"]] == es.vi.tolist()
    assert results["pooled"]["estimate"] == res.estimate and results["pooled"]["ci_ub"] == res.ci_ub
    assert results["pooled"]["natural"]["estimate"] == res.transformed().estimate
    if outcome == "cpk":
        assert [len(s["conversions"]) for s in results["studies"]] == [1, 0, 1]  # r assumed twice
