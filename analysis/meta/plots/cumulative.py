"""Cumulative forest plot: one row per step of a cumulative meta-analysis."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from ._common import (
    ACCENT,
    INK,
    MUTED,
    default_xlab,
    fmt_num,
    literal_text,
    new_figure,
    resolve_scale,
    set_linear_ticks,
    set_ratio_ticks,
    text_width,
)
from .forest import _draw_interval

_MARGIN = 0.15
_GAP = 0.25
_TOP = 0.15
_BOTTOM = 0.78


def _labels(steps) -> list[str]:
    """The first study by name, then each added study as "+ name" (metafor's style)."""
    names = list(steps.slab) if steps.slab is not None else [f"Study {i + 1}" for i in steps.order]
    return [names[0]] + [f"+ {name}" for name in names[1:]]


def _limits(est, lb, ub, axis: str, null, xlim) -> tuple[float, float]:
    if xlim is not None:
        return float(xlim[0]), float(xlim[1])
    to_axis = np.log if axis == "log" else (lambda a: np.asarray(a, float))
    values = np.concatenate([est, lb, ub])
    values = values[np.isfinite(values) & ((values > 0) if axis == "log" else True)]
    core = to_axis(est[np.isfinite(est)])
    lo, hi = float(np.min(core)), float(np.max(core))
    span = max(hi - lo, 0.1)
    # the first steps rest on one or two studies: their intervals may not set the axis
    vals = to_axis(values)
    lo = max(float(np.min(vals)), lo - 2 * span)
    hi = min(float(np.max(vals)), hi + 2 * span)
    if null is not None:
        lo, hi = min(lo, float(to_axis(null))), max(hi, float(to_axis(null)))
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if axis == "log":
        return float(np.exp(lo)), float(np.exp(hi))
    if axis == "unit":
        return max(lo, 0.0), min(hi, 1.0)
    return lo, hi


@literal_text
def cumul_forest_plot(
    steps,
    *,
    transform: str | None = None,
    xlab: str | None = None,
    show_i2: bool = True,
    digits: int = 2,
    xlim=None,
    graph_width: float = 3.2,
) -> Figure:
    """Draw a cumulative forest plot from :func:`~analysis.meta.cumul`.

    Row i shows the pooled estimate and confidence interval of the first i studies,
    labelled by the study it adds; the last row is the fit to all studies.

    Parameters
    ----------
    steps : CumulResult
    transform : {None, "identity", "exp", "ilogit", "iarcsin", "ipft.hm"}
        Scale of the x axis; ``None`` uses the measure's natural scale (ratios on a log
        axis).
    xlab : str, optional
        Axis label; defaults to the measure's name.
    show_i2 : bool
        Add a column with each step's I^2 (tau^2-based for random-effects models, as
        metafor's ``cumul``; from Q for a common-effect model).
    digits : int
        Decimals in the text column.
    xlim : (float, float), optional
        x limits on the display scale; intervals beyond them end in arrows.
    graph_width : float
        Width of the graphical column in inches.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot; save it with :func:`save_figure`.

    References
    ----------
    Lau, J., Antman, E. M., Jimenez-Silva, J., Kupelnick, B., Mosteller, F., &
    Chalmers, T. C. (1992). Cumulative meta-analysis of therapeutic trials for
    myocardial infarction. New England Journal of Medicine, 327(4), 248-254.
    """
    scale = resolve_scale(transform, steps.measure, steps.ni)
    est, lb, ub = (scale(a) for a in (steps.estimate, steps.ci_lb, steps.ci_ub))
    labels = _labels(steps)
    right = [
        f"{fmt_num(e, digits)} [{fmt_num(a, digits)}, {fmt_num(b, digits)}]"
        if np.isfinite(e)
        else "not estimable"
        for e, a, b in zip(est, lb, ub, strict=True)
    ]
    i2 = [f"{v:.1f}%" if np.isfinite(v) else "" for v in steps.I2]
    n_rows = len(labels) + 1  # a header row
    font = 9.0 if n_rows <= 40 else 8.0 if n_rows <= 75 else 7.0
    row_h = font * 1.85 / 72
    lo, hi = _limits(est, lb, ub, scale.axis, scale.null, xlim)

    fig = new_figure(8.0, 4.0)
    headers = ("Study added", "I\u00b2", f"Estimate [{steps.level:g}% CI]")
    left_w = max(text_width(fig, s, font) for s in [*labels, headers[0]]) + _GAP
    i2_w = max(text_width(fig, s, font) for s in ["100.0%", headers[1]]) + _GAP if show_i2 else 0
    ci_w = max(text_width(fig, s, font) for s in [*right, headers[2]]) + _GAP
    width = 2 * _MARGIN + left_w + graph_width + i2_w + ci_w
    height = _TOP + n_rows * row_h + _BOTTOM
    fig.set_size_inches(width, height)
    ax = fig.add_axes(
        (
            (_MARGIN + left_w) / width,
            _BOTTOM / height,
            graph_width / width,
            n_rows * row_h / height,
        )
    )
    ax.set_ylim(n_rows - 0.5, -0.5)
    if scale.axis == "log":
        ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    (set_ratio_ticks(ax, lo, hi) if scale.axis == "log" else set_linear_ticks(ax))
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(INK)
    ax.tick_params(axis="x", labelsize=font - 0.5, colors=INK, length=3)
    ax.set_yticks([])
    ax.patch.set_alpha(0)

    g = graph_width
    x_label = -left_w / g
    x_i2 = 1 + (i2_w - 0.05) / g
    x_ci = 1 + (i2_w + ci_w - 0.05) / g
    tf = blended_transform_factory(ax.transAxes, ax.transData)

    def put(x, y, s, ha="left", **kw):
        ax.text(
            x, y, s, transform=tf, ha=ha, va="center", fontsize=font, color=INK, clip_on=False, **kw
        )

    put(x_label, 0, headers[0], weight="bold")
    if show_i2:
        put(x_i2, 0, headers[1], ha="right", weight="bold")
    put(x_ci, 0, headers[2], ha="right", weight="bold")
    ax.plot([x_label, x_ci], [0.5, 0.5], transform=tf, color=INK, lw=0.6, clip_on=False)
    if scale.null is not None:
        ax.plot([scale.null] * 2, [0.5, n_rows - 0.5], color=MUTED, lw=0.8, zorder=1)
    if np.isfinite(est[-1]):
        ax.plot([est[-1]] * 2, [0.5, n_rows - 0.5], color=MUTED, lw=0.7, ls=(0, (2, 2)), zorder=1)

    for i, label in enumerate(labels):
        y = i + 1
        last = i == len(labels) - 1
        _draw_interval(ax, y, lb[i], ub[i], lo, hi, lw=0.9)
        if np.isfinite(est[i]) and lo <= est[i] <= hi:
            ax.scatter(
                [est[i]],
                [y],
                s=(0.6 * font) ** 2,
                marker="D" if last else "o",
                color=INK if last else ACCENT,
                edgecolors="none",
                zorder=3,
            )
        weight = "bold" if last else "normal"
        put(x_label, y, label, weight=weight)
        if show_i2:
            put(x_i2, y, i2[i], ha="right", weight=weight)
        put(x_ci, y, right[i], ha="right", weight=weight)
    ax.set_xlabel(
        xlab if xlab is not None else default_xlab(steps.measure, scale), fontsize=font, color=INK
    )
    fig.text(
        _MARGIN / width,
        0.12 / height,
        _model_note(steps, show_i2),
        fontsize=font - 1,
        style="italic",
        color=MUTED,
    )
    return fig


def _model_note(steps, show_i2: bool) -> str:
    fixed = steps.model in ("FE", "EE", "CE")
    model = "Common-effect model" if fixed else f"Random-effects model ({steps.model})"
    note = f"Cumulative {model.lower()[0]}{model[1:]}"
    if steps.test == "knha":
        note += ", Knapp-Hartung intervals"
    if show_i2:
        # Say which I^2: metafor's cumul reports the tau^2-based one for random effects.
        note += "; I\u00b2 from Q" if fixed else "; I\u00b2 from \u03c4\u00b2 (metafor)"
    return note
