"""Forest plots under R meta's conventions: proportion intervals per study, the named I^2,
and the common-effect models (Mantel-Haenszel, Peto, GLMM)."""

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.meta import clopper_pearson, escalc, rma, rma_glmm, rma_mh, rma_peto, wilson
from analysis.meta.plots import forest_plot

# dat.pritz1997 (metafor): events and sample sizes of 14 studies.
XI = [16, 10, 4, 43, 10, 25, 7, 21, 5, 14, 17, 37, 38, 9]
NI = [17, 12, 8, 58, 10, 42, 11, 24, 7, 26, 20, 56, 47, 27]
SLAB = [f"Study {i + 1}" for i in range(len(XI))]
TABLES = {
    "ai": [4, 6, 3, 9, 12],
    "bi": [16, 14, 17, 11, 28],
    "ci": [8, 10, 4, 12, 15],
    "di": [12, 10, 16, 8, 25],
}


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def _ci(est, lb, ub):
    return f"{est:.2f} [{lb:.2f}, {ub:.2f}]"


def test_proportion_forest_plot_shows_clopper_pearson_by_default():
    es = escalc("PLO", xi=XI, ni=NI, slab=SLAB)
    res = rma(es)
    shown = texts(forest_plot(res, xi=XI))
    cp = clopper_pearson(XI, NI)
    # Study 5 has 10/10 events: its Wald interval on the logit scale would not reach 1.
    assert _ci(1.0, cp.ci_lb[4], 1.0) in shown
    assert all(_ci(cp.estimate[i], cp.ci_lb[i], cp.ci_ub[i]) in shown for i in range(len(XI)))
    assert "Study intervals: Clopper\u2013Pearson (exact)" in shown


def test_proportion_forest_plot_can_show_wilson_or_wald_intervals():
    res = rma(escalc("PLO", xi=XI, ni=NI, slab=SLAB))
    ws = wilson(XI, NI)
    shown = texts(forest_plot(res, xi=XI, study_ci="wilson"))
    assert _ci(ws.estimate[3], ws.ci_lb[3], ws.ci_ub[3]) in shown
    assert "Study intervals: Wilson score" in shown
    wald = texts(forest_plot(res, xi=XI, study_ci="wald"))
    assert not any(t.startswith("Study intervals") for t in wald)


def test_proportion_intervals_need_counts_and_a_proportion_scale():
    res = rma(escalc("PLO", xi=XI, ni=NI, slab=SLAB))
    with pytest.raises(ValueError, match="needs a proportion measure shown as proportions"):
        forest_plot(res, xi=XI, transform="identity", study_ci="wilson")
    # Without counts the plot keeps the back-transformed Wald intervals.
    assert not any(t.startswith("Study intervals") for t in texts(forest_plot(res)))


def test_glmm_forest_plot_uses_its_own_counts_and_names_the_common_effect_model():
    fe = rma_glmm(XI, NI, method="FE", slab=SLAB)
    shown = texts(forest_plot(fe))
    assert "Common-effect model (GLMM)" in shown
    assert "Study intervals: Clopper\u2013Pearson (exact)" in shown
    assert "Prediction interval" not in shown
    heterogeneity = next(t for t in shown if t.startswith("Heterogeneity"))
    assert "\u03c4\u00b2 =" not in heterogeneity


def test_heterogeneity_line_names_the_i2_it_shows():
    res = rma(escalc("PLO", xi=XI, ni=NI, slab=SLAB))
    tau2 = next(t for t in texts(forest_plot(res)) if t.startswith("Heterogeneity"))
    assert f"I\u00b2 from \u03c4\u00b2 = {res.I2:.1f}%" in tau2
    q = next(t for t in texts(forest_plot(res, i2="Q")) if t.startswith("Heterogeneity"))
    assert f"I\u00b2 from Q = {res.I2_Q:.1f}% [{res.I2_Q_ci_lb:.1f}%, {res.I2_Q_ci_ub:.1f}%]" in q
    with pytest.raises(ValueError, match="unknown I\u00b2 convention 'x'"):
        forest_plot(res, i2="x")


def test_mantel_haenszel_and_peto_plots_are_common_effect_with_i2_from_q():
    for res, label in (
        (rma_mh(measure="OR", **TABLES), "Common-effect model (Mantel\u2013Haenszel)"),
        (rma_peto(**TABLES), "Common-effect model (Peto)"),
    ):
        shown = texts(forest_plot(res))
        assert label in shown
        heterogeneity = next(t for t in shown if t.startswith("Heterogeneity"))
        assert heterogeneity.startswith(f"Heterogeneity: I\u00b2 from Q = {res.I2:.1f}%")
        assert np.isfinite(res.I2_Q)


def test_prediction_interval_row_names_a_t_critical_value():
    es = escalc("PLO", xi=XI, ni=NI, slab=SLAB)
    assert "Prediction interval" in texts(forest_plot(rma(es)))
    assert "Prediction interval, t(k\u22122)" in texts(forest_plot(rma(es, pi_type="hts")))
    assert "Prediction interval, t(k\u2212p)" in texts(forest_plot(rma(es, test="knha")))
