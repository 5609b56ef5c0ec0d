"""Forest and funnel plots built from real engine results, saved and inspected."""

import io
import subprocess
import sys
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest
from defusedxml import ElementTree
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis.meta import escalc, rma, subgroup, trimfill
from analysis.meta.glmm import rma_glmm
from analysis.meta.plots import forest_plot, funnel_plot, save_figure

# BCG vaccine trials (Colditz et al. 1994; metafor's dat.bcg).
BCG = {
    "ai": [4, 6, 3, 62, 33, 180, 8, 505, 29, 17, 186, 5, 27],
    "bi": [119, 300, 228, 13536, 5036, 1361, 2537, 87886, 7470, 1699, 50448, 2493, 16886],
    "ci": [11, 29, 11, 248, 47, 372, 10, 499, 45, 65, 141, 3, 29],
    "di": [128, 274, 209, 12619, 5761, 1079, 619, 87892, 7232, 1600, 27197, 2338, 17825],
}
BCG_SLAB = [
    "Aronson 1948",
    "Ferguson & Simes 1949",
    "Rosenthal et al 1960",
    "Hart & Sutherland 1977",
    "Frimodt-Moller et al 1973",
    "Stein & Aronson 1953",
    "Vandiviere et al 1973",
    "TPT Madras 1980",
    "Coetzee & Berjak 1968",
    "Rosenthal et al 1961",
    "Comstock et al 1974",
    "Comstock & Webster 1969",
    "Comstock et al 1976",
]
BCG_ALLOC = ["random"] * 4 + ["alternate"] * 2 + ["random"] * 3 + ["systematic"] * 4

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def bcg():
    es = escalc("RR", **BCG, slab=BCG_SLAB)
    return es, rma(es)


@pytest.fixture(scope="module")
def large():
    """k = 60 mean differences with long labels, in three subgroups."""
    rng = np.random.default_rng(2022)
    k = 60
    vi = rng.uniform(0.02, 0.6, k)
    yi = rng.normal(0.3, 0.25, k) + rng.normal(0, np.sqrt(vi))
    slab = [f"Investigator-{i:02d} et al. {1990 + i % 30}, multicentre" for i in range(k)]
    groups = [("Adults", "Children", "Mixed ages")[i % 3] for i in range(k)]
    res = rma(yi, vi, measure="MD", slab=slab)
    return res, subgroup(yi, vi, groups, measure="MD", slab=slab)


def texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def assert_no_overlapping_text(fig: Figure) -> None:
    renderer = fig.canvas.get_renderer()
    fig.draw(renderer)
    boxes = [
        (t.get_text(), t.get_window_extent(renderer).expanded(1.0, 0.9))
        for t in fig.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]
    page = fig.bbox
    for text, box in boxes:
        assert page.x0 - 1 <= box.x0 and box.x1 <= page.x1 + 1, f"{text!r} leaves the page"
        assert page.y0 - 1 <= box.y0 and box.y1 <= page.y1 + 1, f"{text!r} leaves the page"
    for (t1, b1), (t2, b2) in combinations(boxes, 2):
        assert not b1.overlaps(b2), f"{t1!r} overlaps {t2!r}"


def test_forest_plot_shows_studies_weights_and_pooled_estimate(bcg):
    _, res = bcg
    fig = forest_plot(res)
    assert isinstance(fig, Figure)
    shown = texts(fig)
    for label in BCG_SLAB:
        assert label in shown
    assert "0.49 [0.34, 0.70]" in shown  # exp of the REML estimate and CI
    assert "Random-effects model (REML)" in shown
    assert f"{res.weights[0]:.1f}%" in shown
    assert "[0.15, 1.55]" in shown  # prediction interval
    heterogeneity = next(t for t in shown if t.startswith("Heterogeneity"))
    assert f"I\u00b2 from \u03c4\u00b2 = {res.I2:.1f}%" in heterogeneity
    assert "Q = 152.23 (df = 12), p < 0.001" in heterogeneity
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert "1" in [t.get_text() for t in ax.get_xticklabels()]
    assert ax.get_xlabel() == "Risk ratio"
    assert_no_overlapping_text(fig)


def test_forest_plot_on_the_analysis_scale_when_asked(bcg):
    _, res = bcg
    fig = forest_plot(res, transform="identity", xlab="log RR", show_weights=False, show_pi=False)
    shown = texts(fig)
    assert "\u22120.71 [\u22121.07, \u22120.36]" in shown
    assert "Weight" not in shown
    assert "Prediction interval" not in shown
    assert fig.axes[0].get_xscale() == "linear"
    assert fig.axes[0].get_xlabel() == "log RR"


def test_forest_plot_with_subgroups_has_a_diamond_per_group_and_the_test(bcg):
    es, res = bcg
    sg = subgroup(es, groups=BCG_ALLOC)
    fig = forest_plot(res, subgroups=sg)
    shown = texts(fig)
    for label in ("alternate", "random", "systematic"):
        assert label in shown
    assert shown.count("Subtotal (4 studies)") == 1
    test_line = next(t for t in shown if t.startswith("Test for subgroup differences"))
    assert f"Q = {sg.Q_between:.2f} (df = 2)" in test_line
    diamonds = [p for p in fig.axes[0].patches if p.get_xy().shape == (5, 2)]
    assert len(diamonds) == 4
    assert_no_overlapping_text(fig)


def test_forest_plot_for_sixty_studies_stays_legible(large):
    res, sg = large
    for fig in (forest_plot(res), forest_plot(res, subgroups=sg)):
        width, height = fig.get_size_inches()
        assert width < 12
        assert height < 24
        assert sum(t.startswith("Investigator-") for t in texts(fig)) == 60
        assert_no_overlapping_text(fig)


def test_forest_plot_of_a_glmm_shows_proportions(tmp_path):
    res = rma_glmm(
        [16, 10, 4, 43, 10],
        [17, 12, 8, 58, 10],
        slab=["A 2001", "B 2003", "C 2004", "D 2010", "E 2012"],
    )
    fig = forest_plot(res)
    lo, hi = fig.axes[0].get_xlim()
    assert 0 <= lo < hi <= 1
    shown = texts(fig)
    assert "Random-effects model (GLMM)" in shown
    assert "Weight" not in shown  # rma.glmm has no study weights
    assert any(t.startswith("Heterogeneity: I\u00b2") for t in shown)
    save_figure(fig, tmp_path / "glmm.png")
    assert (tmp_path / "glmm.png").read_bytes().startswith(PNG_MAGIC)


def test_funnel_plot_has_inverted_se_axis_and_pseudo_region(bcg):
    _, res = bcg
    fig = funnel_plot(res)
    ax = fig.axes[0]
    top, bottom = ax.get_ylim()
    assert top > bottom == 0
    assert top >= np.sqrt(res.vi).max()
    assert ax.get_ylabel() == "Standard error"
    assert "Pseudo 95% confidence region" in texts(fig)
    assert ax.get_xscale() == "log"


def test_contour_enhanced_funnel_with_trim_and_fill(bcg):
    _, res = bcg
    tf = trimfill(res)
    assert tf.k0 >= 1
    fig = funnel_plot(res, contours=[90, 95, 99], trimfill=tf, xlab="RR")
    shown = texts(fig)
    for label in ("p > 0.10", "0.10 > p > 0.05", "0.05 > p > 0.01", "p < 0.01"):
        assert label in shown
    assert f"Imputed by trim and fill ({tf.k0})" in shown
    hollow = [
        c
        for c in fig.axes[0].collections
        if c.get_offsets().shape[0] == tf.k0 and np.allclose(c.get_facecolor()[0], 1)
    ]
    assert hollow
    assert_no_overlapping_text(fig)


def test_funnel_refuses_display_transforms(bcg):
    _, res = bcg
    with pytest.raises(ValueError, match="analysis scale"):
        funnel_plot(res, transform="ilogit")
    with pytest.raises(ValueError, match="contour levels"):
        funnel_plot(res, contours=[0.9, 100])


@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_saved_files_are_valid(bcg, large, tmp_path, fmt):
    _, res = bcg
    for name, fig in (
        ("small", forest_plot(res)),
        ("funnel", funnel_plot(res)),
        ("large", forest_plot(large[0], subgroups=large[1])),
    ):
        path = tmp_path / f"{name}.{fmt}"
        save_figure(fig, path)
        data = path.read_bytes()
        if fmt == "png":
            assert data.startswith(PNG_MAGIC)
        elif fmt == "pdf":
            assert data.startswith(b"%PDF-")
            assert b"/CreationDate" not in data
        else:
            root = ElementTree.fromstring(data)
            assert root.tag.endswith("svg")


def test_save_to_file_object_and_format_checks(bcg):
    _, res = bcg
    buffer = io.BytesIO()
    save_figure(forest_plot(res), buffer, format="png")
    assert buffer.getvalue().startswith(PNG_MAGIC)
    buffer = io.BytesIO()
    save_figure(funnel_plot(res), buffer)  # no suffix to go by: SVG
    assert ElementTree.fromstring(buffer.getvalue()).tag.endswith("svg")
    with pytest.raises(ValueError, match="format must be one of svg, png, pdf"):
        save_figure(forest_plot(res), io.BytesIO(), format="jpg")


def test_unknown_transform_is_refused(bcg):
    _, res = bcg
    with pytest.raises(ValueError, match="unknown transform 'sqrt'"):
        forest_plot(res, transform="sqrt")


def test_plots_do_not_touch_pyplot():
    code = (
        "import sys\n"
        "from analysis.meta import rma\n"
        "from analysis.meta.plots import forest_plot, funnel_plot\n"
        "res = rma([0.1, 0.3, -0.2, 0.5], [0.04, 0.05, 0.09, 0.02])\n"
        "forest_plot(res); funnel_plot(res)\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


@pytest.mark.parametrize("measure", ["PLO", "PFT", "PAS", "PR"])
def test_pooled_proportions_are_drawn_on_the_unit_interval(measure):
    es = escalc(measure, xi=[16, 10, 4, 43, 10, 25, 9], ni=[17, 12, 8, 58, 10, 42, 12])
    res = rma(es)
    lo, hi = forest_plot(res).axes[0].get_xlim()
    assert 0 <= lo < hi <= 1
    assert forest_plot(res).axes[0].get_xlabel() == "Proportion"
    assert funnel_plot(res).axes[0].get_xscale() == "linear"


def test_forest_plot_draws_data_columns_favours_labels_and_a_chosen_null(bcg):
    _, res = bcg
    first = res.slab[0]
    columns = [("Events/total", {first: "4/123"}), ("Mean (SD) n", {first: "1.00 (2.00) 10"})]
    fig = forest_plot(res, columns=columns, favours=("Favours BCG", "Favours control"), weight_label="Weight (overall)")
    shown = texts(fig)
    assert {"Events/total", "Mean (SD) n", "4/123", "1.00 (2.00) 10", "Weight (overall)"} <= set(shown)
    assert "← Favours BCG" in shown and "Favours control →" in shown
    assert_no_overlapping_text(fig)


def test_forest_plot_of_subgroups_says_its_weights_are_within_subgroup(bcg):
    _, res = bcg
    groups = ["a" if i % 2 else "b" for i in range(res.k)]
    sg = subgroup(res.yi, res.vi, groups, measure=res.measure, slab=list(res.slab))
    assert "Weight (in subgroup)" in texts(forest_plot(res, subgroups=sg))
    assert "Weight (in subgroup)" not in texts(forest_plot(res))


def test_contours_say_what_they_test_against(bcg):
    _, res = bcg
    shown = texts(funnel_plot(res, contours=[90, 95, 99], null_label="no effect"))
    assert "Contours: p against no effect" in shown
