"""Funnel plot: effect against standard error, with optional significance contours."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.stats import norm

from ..transforms import transform_name
from ._common import (
    ACCENT,
    INK,
    MUTED,
    default_xlab,
    literal_text,
    new_figure,
    resolve_scale,
    set_linear_ticks,
    set_ratio_ticks,
)

# Darkest just outside the innermost contour, fading outwards, as in metafor's
# contour-enhanced funnels, so the eye finds the "just significant" bands.
_SHADES = ("#a3a3a3", "#c8c8c8", "#e9e9e9", "#f4f4f4")


@literal_text
def funnel_plot(
    res,
    *,
    contours=None,
    trimfill=None,
    xlab: str | None = None,
    transform: str | None = None,
    level: float | None = None,
    refline: float | None = None,
    null_label: str | None = None,
) -> Figure:
    """Draw a funnel plot: study effects against their standard errors.

    Parameters
    ----------
    res : RmaResult
        The fit whose studies are drawn; its estimate is the centre of the funnel.
    contours : sequence of float, optional
        Confidence levels such as ``[0.90, 0.95, 0.99]`` (or 90, 95, 99) for a
        contour-enhanced funnel plot: bands where a study's two-sided p-value against
        ``refline`` falls between consecutive levels are shaded (Peters et al. 2008).
    trimfill : TrimfillResult, optional
        Draw the studies imputed by trim and fill as hollow points, centred on the
        adjusted estimate.
    xlab : str, optional
        Axis label; defaults to the measure's name.
    transform : {None, "identity", "exp"}
        ``None`` draws ratio measures on a log axis labelled as ratios and everything
        else on the analysis scale (a funnel is only a funnel on that scale).
    level : float, optional
        Level in percent of the pseudo confidence region; ``res.level`` by default.
    refline : float, optional
        Null value on the analysis scale for the contours; 0 by default.
    null_label : str, optional
        What ``refline`` is, in words ("no effect", "a proportion of 0.05"): the legend then
        says what the contours test against.

    Returns
    -------
    matplotlib.figure.Figure

    References
    ----------
    Sterne JAC, Egger M (2001). Funnel plots for detecting bias in meta-analysis.
    Journal of Clinical Epidemiology 54(10):1046-1055.
    Peters JL, Sutton AJ, Jones DR, Abrams KR, Rushton L (2008). Contour-enhanced
    meta-analysis funnel plots help distinguish publication bias from other causes of
    asymmetry. Journal of Clinical Epidemiology 61(10):991-996.
    Duval S, Tweedie R (2000). Trim and fill. Biometrics 56(2):455-463.
    """
    measure = getattr(res, "measure", None)
    if transform is None:
        transform = "exp" if transform_name(measure) == "exp" else "identity"
    if transform not in ("identity", "exp"):
        raise ValueError(
            "a funnel plot is drawn on the analysis scale: transform must be "
            "None, 'identity' or 'exp'"
        )
    scale = resolve_scale(transform, measure)
    yi, vi = np.asarray(res.yi, float), np.asarray(res.vi, float)
    filled = np.zeros(yi.size, dtype=bool)
    centre = res.estimate
    if trimfill is not None:
        yi, vi = np.asarray(trimfill.yi, float), np.asarray(trimfill.vi, float)
        filled = np.asarray(trimfill.fill, bool)
        centre = trimfill.fit.estimate
    sei = np.sqrt(vi)
    se_max = float(sei.max()) * 1.05
    level = float(getattr(res, "level", 95) if level is None else level)
    crit = norm.ppf(0.5 + level / 200)
    ref = 0.0 if refline is None else float(refline)
    levels = _levels(contours)

    half = crit * se_max
    z_out = norm.ppf(0.5 + levels[-1] / 2) if levels else 0.0
    lo = min(float(yi.min()), centre - half, ref - z_out * se_max)
    hi = max(float(yi.max()), centre + half, ref + z_out * se_max)
    pad = 0.06 * (hi - lo)
    lo, hi = lo - pad, hi + pad

    # The legend sits right of the axes: inside, any corner can hide studies.
    fig = new_figure(7.4, 4.6)
    ax = fig.add_axes((0.10, 0.12, 0.58, 0.82))
    handles = []
    if levels:
        if null_label:
            handles.append(Patch(facecolor="none", edgecolor="none", label=f"Contours: p against {null_label}"))
        handles += _shade_contours(ax, scale, levels, ref, lo, hi, se_max)
    se_grid = np.array([0.0, se_max])
    ax.fill_betweenx(
        se_grid,
        scale(centre - crit * se_grid),
        scale(centre + crit * se_grid),
        color="white" if levels else "#eef2f7",
        alpha=0 if levels else 1,
        zorder=1,
    )
    ax.plot(scale(centre - crit * se_grid), se_grid, color=INK, lw=0.8, ls=(0, (4, 3)), zorder=3)
    ax.plot(scale(centre + crit * se_grid), se_grid, color=INK, lw=0.8, ls=(0, (4, 3)), zorder=3)
    ax.plot(scale([centre, centre]), [0, se_max], color=INK, lw=0.9, zorder=3)
    handles.append(
        Line2D(
            [], [], color=INK, lw=0.8, ls=(0, (4, 3)), label=f"Pseudo {level:g}% confidence region"
        )
    )

    ax.scatter(
        scale(yi[~filled]),
        sei[~filled],
        s=26,
        color=ACCENT,
        edgecolors="white",
        linewidths=0.5,
        zorder=4,
    )
    handles.append(Line2D([], [], marker="o", ls="none", color=ACCENT, label="Studies"))
    if filled.any():
        ax.scatter(
            scale(yi[filled]),
            sei[filled],
            s=26,
            facecolors="white",
            edgecolors=INK,
            linewidths=0.9,
            zorder=4,
        )
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                ls="none",
                markerfacecolor="white",
                markeredgecolor=INK,
                label=f"Imputed by trim and fill ({filled.sum()})",
            )
        )

    ax.set_ylim(se_max, 0)
    if scale.axis == "log":
        ax.set_xscale("log")
        ax.set_xlim(np.exp(lo), np.exp(hi))
        set_ratio_ticks(ax, np.exp(lo), np.exp(hi))
    else:
        ax.set_xlim(lo, hi)
        set_linear_ticks(ax)
    ax.set_xlabel(xlab if xlab is not None else default_xlab(measure, scale), fontsize=10)
    ax.set_ylabel("Standard error", fontsize=10)
    ax.tick_params(labelsize=9, colors=INK)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.03, 1.0),
        fontsize=8.5,
        frameon=False,
        borderaxespad=0,
    )
    return fig


def _levels(contours) -> list[float]:
    if contours is None:
        return []
    levels = sorted(float(c) / 100 if c > 1 else float(c) for c in contours)
    if any(not 0 < c < 1 for c in levels):
        raise ValueError(
            f"contour levels must lie between 0 and 1 (or 0 and 100); got {list(contours)}"
        )
    return levels


def _shade_contours(ax, scale, levels, ref, lo, hi, se_max) -> list:
    """Shade the bands between consecutive significance contours around ``ref``."""
    se_grid = np.linspace(0, se_max, 2)
    z = [norm.ppf(0.5 + c / 2) for c in levels]
    # Inside the innermost contour p > 1 - levels[0]: left white.
    handles = [
        Patch(facecolor="white", edgecolor="#bdbdbd", lw=0.6, label=f"p > {1 - levels[0]:.2f}")
    ]
    for i, zi in enumerate(z):
        z_next = z[i + 1] if i + 1 < len(z) else None
        color = _SHADES[min(i, len(_SHADES) - 1)]
        for sign in (-1, 1):
            inner = ref + sign * zi * se_grid
            outer = (
                ref + sign * z_next * se_grid
                if z_next is not None
                else np.full(2, hi if sign > 0 else lo)
            )
            ax.fill_betweenx(se_grid, scale(inner), scale(outer), color=color, lw=0, zorder=0)
        p_hi, p_lo = 1 - levels[i], 1 - levels[i + 1] if z_next is not None else 0
        label = f"{p_hi:.2f} > p > {p_lo:.2f}" if z_next is not None else f"p < {p_hi:.2f}"
        handles.append(Patch(facecolor=color, edgecolor="none", label=label))
    ax.plot(scale([ref, ref]), [0, se_max], color=MUTED, lw=0.6, zorder=0)
    return handles
