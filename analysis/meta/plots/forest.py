"""Forest plot: one row per study, pooled diamonds, heterogeneity and subgroup tests."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon
from matplotlib.transforms import blended_transform_factory
from scipy.stats import norm

from ..proportion_ci import PROPORTION_CI_LABELS, proportion_ci
from ._common import (
    ACCENT,
    INK,
    MUTED,
    PROPORTIONS,
    Scale,
    common_effect,
    default_xlab,
    fmt_num,
    fmt_p,
    heterogeneity_text,
    literal_text,
    new_figure,
    resolve_scale,
    set_linear_ticks,
    set_ratio_ticks,
    text_width,
)

# Layout in inches; the font size and row height shrink for long plots (k up to ~60 and
# beyond) so the figure stays printable while rows never overlap.
_MARGIN = 0.15
_GAP = 0.25
_TOP = 0.15
_BOTTOM = 0.62
_DIAMOND_HALF_HEIGHT = 0.36  # in row units


@dataclass
class _Row:
    kind: str  # header, group, study, pooled, pi, note
    label: str = ""
    est: float = np.nan
    lb: float = np.nan
    ub: float = np.nan
    weight: float = np.nan
    right: str = ""
    bold: bool = False
    italic: bool = False
    extra: dict = field(default_factory=dict)


def _study_rows(res, slab, level: float, scale: Scale, digits: int, counts=None) -> list[_Row]:
    yi = np.asarray(res.yi, dtype=float)
    se = np.sqrt(np.asarray(res.vi, dtype=float))
    crit = norm.ppf(0.5 + level / 200)
    est, lb, ub = scale(yi), scale(yi - crit * se), scale(yi + crit * se)
    if counts is not None:
        # Proportions shown as proportions: each study's own exact (or score) interval
        # and its observed proportion, as R's meta draws them.
        xi, ni, method = counts
        ci = proportion_ci(xi, ni, method, level)
        est, lb, ub = ci.estimate, ci.ci_lb, ci.ci_ub
    labels = list(slab) if slab is not None else list(getattr(res, "slab", None) or [])
    if len(labels) != yi.size:
        labels = [f"Study {i + 1}" for i in range(yi.size)]
    weights = getattr(res, "weights", None)
    weights = np.full(yi.size, np.nan) if weights is None else np.asarray(weights, float)
    return [
        _Row(
            "study",
            str(labels[i]),
            est[i],
            lb[i],
            ub[i],
            weights[i],
            _ci_text(est[i], lb[i], ub[i], digits),
        )
        for i in range(yi.size)
    ]


def _ci_text(est: float, lb: float, ub: float, digits: int) -> str:
    return f"{fmt_num(est, digits)} [{fmt_num(lb, digits)}, {fmt_num(ub, digits)}]"


def _model_label(res) -> str:
    model = str(getattr(res, "model", ""))
    method = str(getattr(res, "method", ""))
    if method == "MH":
        return "Common-effect model (Mantel\u2013Haenszel)"
    if method == "PETO":
        return "Common-effect model (Peto)"
    if model == "glmm":
        kind = "Common-effect" if method == "FE" else "Random-effects"
        return f"{kind} model (GLMM)"
    if model in ("FE", "EE", "CE"):
        return "Common-effect model"
    return f"Random-effects model ({model})" if model else "Random-effects model"


# The critical value of a prediction interval other than the normal one, named on the plot.
_PI_SUFFIX = {"t": ", t(k\u2212p)", "hts": ", t(k\u22122)"}


def _pooled_rows(
    res,
    scale: Scale,
    digits: int,
    label: str,
    indent: bool,
    show_pi: bool,
    overall: bool,
    i2: str = "tau2",
) -> list[_Row]:
    est, lb, ub = scale([res.estimate, res.ci_lb, res.ci_ub])
    rows = [
        _Row(
            "pooled",
            label,
            est,
            lb,
            ub,
            _total_weight(res),
            _ci_text(est, lb, ub, digits),
            bold=True,
            extra={"overall": overall},
        )
    ]
    has_pi = not common_effect(res) and np.isfinite(getattr(res, "pi_lb", np.nan))
    # Two studies cannot say how effects vary; such an interval would only mislead.
    if show_pi and has_pi and res.k >= 3:
        plb, pub = scale([res.pi_lb, res.pi_ub])
        rows.append(
            _Row(
                "pi",
                ("   " if indent else "")
                + "Prediction interval"
                + _PI_SUFFIX.get(getattr(res, "pi_type", None), ""),
                np.nan,
                plb,
                pub,
                right=f"[{fmt_num(plb, digits)}, {fmt_num(pub, digits)}]",
                italic=True,
            )
        )
    text = heterogeneity_text(res, digits, i2)
    if text:
        rows.append(_Row("note", ("   " if indent else "") + text, italic=True))
    return rows


def _total_weight(res) -> float:
    weights = getattr(res, "weights", None)
    return np.nan if weights is None else float(np.sum(weights))


def _counts(res, xi, study_ci: str | None, scale: Scale):
    """(xi, ni, method) when the study intervals are to be proportion intervals, else None.

    That is for proportion measures drawn as proportions (not on the logit, log or arcsine
    scale) whose event counts are known: ``xi`` given, or a GLMM fit's own. Clopper-Pearson
    by default, as R's meta; ``study_ci="wald"`` keeps the Wald interval of ``yi``.
    """
    if study_ci == "wald":
        return None
    measure = getattr(res, "measure", None)
    shown_as_proportion = measure == "PR" or (measure in PROPORTIONS and scale.name != "identity")
    xi = getattr(res, "xi", None) if xi is None else xi
    ni = getattr(res, "ni", None)
    if not shown_as_proportion or xi is None or ni is None:
        if study_ci is not None:
            raise ValueError(
                f"study_ci={study_ci!r} needs a proportion measure shown as proportions and "
                "the event counts (xi)"
            )
        return None
    return np.asarray(xi, dtype=float), np.asarray(ni, dtype=float), study_ci or "clopper-pearson"


def _subset_counts(counts, fit, res):
    """The counts of the studies of subgroup ``fit`` (matched by label to ``res``)."""
    if counts is None:
        return None
    index = {label: i for i, label in enumerate(getattr(res, "slab", None) or [])}
    try:
        keep = [index[label] for label in fit.slab]
    except (KeyError, TypeError):
        return None
    return counts[0][keep], counts[1][keep], counts[2]


def _build_rows(res, subgroups, slab, scale, digits, show_pi, counts=None, i2="tau2") -> list[_Row]:
    level = float(getattr(res, "level", 95))
    rows = [_Row("header")]
    if subgroups is None:
        rows += _study_rows(res, slab, level, scale, digits, counts)
        rows.append(_Row("blank"))
        rows += _pooled_rows(res, scale, digits, _model_label(res), False, show_pi, True, i2)
        return rows + _study_ci_note(counts)
    for label, fit in subgroups.groups.items():
        rows.append(_Row("group", str(label), bold=True))
        rows += _study_rows(fit, None, level, scale, digits, _subset_counts(counts, fit, res))
        rows += _pooled_rows(
            fit, scale, digits, f"Subtotal ({fit.k} studies)", True, show_pi, False, i2
        )
        rows.append(_Row("blank"))
    rows += _pooled_rows(
        res, scale, digits, f"{_model_label(res)}, all studies", False, show_pi, True, i2
    )
    df = subgroups.Q_between_df
    rows.append(
        _Row(
            "note",
            f"Test for subgroup differences: Q = {subgroups.Q_between:.2f} "
            f"(df = {df}), {fmt_p(subgroups.Q_between_p)}",
            italic=True,
        )
    )
    return rows + _study_ci_note(counts)


def _study_ci_note(counts) -> list[_Row]:
    if counts is None:
        return []
    return [_Row("note", f"Study intervals: {PROPORTION_CI_LABELS[counts[2]]}", italic=True)]


def _limits(rows: list[_Row], scale: Scale, xlim) -> tuple[float, float]:
    """x limits: every estimate and pooled interval, study CIs unless absurdly wide."""
    if xlim is not None:
        return float(xlim[0]), float(xlim[1])
    to_axis = np.log if scale.axis == "log" else (lambda v: np.asarray(v, float))
    core = [r.est for r in rows if r.kind in ("study", "pooled")]
    core += [v for r in rows if r.kind in ("pooled", "pi") for v in (r.lb, r.ub)]
    core = to_axis(np.array([v for v in core if np.isfinite(v) and (scale.axis != "log" or v > 0)]))
    lo, hi = float(np.min(core)), float(np.max(core))
    span = max(hi - lo, 1e-3 if scale.axis == "unit" else 0.1)
    cis = to_axis(
        np.array(
            [
                v
                for r in rows
                if r.kind == "study"
                for v in (r.lb, r.ub)
                if np.isfinite(v) and (scale.axis != "log" or v > 0)
            ]
        )
    )
    # Wide study intervals may stretch the axis to twice the core span, no further;
    # anything beyond is drawn as an arrow at the edge.
    lo = max(float(np.min(cis, initial=lo)), lo - span)
    hi = min(float(np.max(cis, initial=hi)), hi + span)
    if scale.null is not None:
        null = float(to_axis(scale.null))
        lo, hi = min(lo, null), max(hi, null)
    pad = 0.04 * (hi - lo)
    lo, hi = lo - pad, hi + pad
    if scale.axis == "log":
        return float(np.exp(lo)), float(np.exp(hi))
    if scale.axis == "unit":
        return max(lo, 0.0), min(hi, 1.0)
    return lo, hi


def _sizes(rows: list[_Row], font: float) -> dict[int, float]:
    """Square side in points per study row: area proportional to weight."""
    weights = np.array([r.weight for r in rows if r.kind == "study"])
    side_max, side_min = 1.1 * font, 0.35 * font
    if weights.size == 0 or not np.all(np.isfinite(weights)):
        return {i: 0.6 * font for i, r in enumerate(rows) if r.kind == "study"}
    rel = np.sqrt(weights / weights.max())
    sides = np.maximum(side_min, side_max * rel)
    idx = [i for i, r in enumerate(rows) if r.kind == "study"]
    return dict(zip(idx, sides, strict=True))


@literal_text
def forest_plot(
    res,
    *,
    slab=None,
    transform: str | None = None,
    xlab: str | None = None,
    subgroups=None,
    show_weights: bool = True,
    show_pi: bool = True,
    digits: int = 2,
    xlim=None,
    graph_width: float = 3.2,
    columns=None,
    favours=None,
    null=None,
    weight_label: str | None = None,
    xi=None,
    study_ci: str | None = None,
    i2: str = "tau2",
) -> Figure:
    """Draw a forest plot of a fitted meta-analysis.

    Parameters
    ----------
    res : RmaResult or GLMMResult
        The fit to draw (with ``subgroups``, the fit on all studies, drawn last).
    slab : sequence of str, optional
        Study labels; defaults to ``res.slab`` or "Study 1", "Study 2", ...
    transform : {None, "identity", "exp", "ilogit", "iarcsin", "ipft.hm"}
        Scale of the x axis. ``None`` uses the measure's natural scale: ratios on a log
        axis labelled as ratios, logit and arcsine proportions as proportions.
    xlab : str, optional
        Axis label; defaults to the measure's name.
    subgroups : SubgroupResult, optional
        Draw one section per subgroup with its own diamond and heterogeneity, then the
        overall diamond and the test for subgroup differences. Weights are then those of
        each subgroup's own fit.
    show_weights, show_pi : bool
        Show the weight column; draw the prediction interval of random-effects fits
        (of three or more studies).
    digits : int
        Decimals in the text column.
    xlim : (float, float), optional
        x limits on the display scale; intervals beyond them end in arrows.
    graph_width : float
        Width of the graphical column in inches.
    columns : sequence of (str, mapping), optional
        Extra text columns between the study labels and the graph: (header, {study label:
        text}), e.g. ("Events/Total", ...) for 2x2 data or ("Mean (SD) n", ...).
    favours : (str, str), optional
        Labels under the axis either side of the null line ("Favours IVIg", "Favours
        control"): the left one ends at the null, the right one starts there.
    null : float, optional
        Where to draw the null line, on the display scale, for measures without a natural
        null (a single proportion against the null proportion the reviewer chose).
    weight_label : str, optional
        Header of the weight column; with ``subgroups`` it defaults to "Weight (in subgroup)",
        since the squares are then sized by each subgroup's own fit.
    xi : array_like, optional
        Events per study, for proportion intervals (a GLMM fit carries its own).
    study_ci : {None, "clopper-pearson", "wilson", "wald"}
        Study intervals of proportions drawn as proportions: Clopper-Pearson by default
        when the counts are known, as R's meta; ``"wald"`` for ``yi +/- z sqrt(vi)``
        back-transformed. The plot names the interval used.
    i2 : {"tau2", "Q"}
        Which I^2 the heterogeneity lines show: the fit's own (metafor's, from tau^2 for
        random-effects fits) or Higgins & Thompson's from Q with its interval; either way
        the line says which.

    Returns
    -------
    matplotlib.figure.Figure
        Built without pyplot; save it with :func:`save_figure`.

    References
    ----------
    Lewis S, Clarke M (2001). Forest plots: trying to see the wood and the trees. BMJ
    322(7300):1479-1480.
    IntHout J, Ioannidis JPA, Rovers MM, Goeman JJ (2016). Plea for routinely presenting
    prediction intervals in meta-analysis. BMJ Open 6:e010247.
    """
    scale = resolve_scale(transform, getattr(res, "measure", None), getattr(res, "ni", None))
    if null is not None:
        scale = Scale(scale.name, scale.func, scale.axis, float(null))
    counts = _counts(res, xi, study_ci, scale)
    rows = _build_rows(res, subgroups, slab, scale, digits, show_pi, counts, i2)
    columns = [(str(h), dict(values)) for h, values in (columns or [])]
    n_rows = len(rows)
    font = 9.0 if n_rows <= 40 else 8.0 if n_rows <= 75 else 7.0
    row_h = font * 1.85 / 72
    show_weights = show_weights and any(np.isfinite(r.weight) for r in rows)
    lo, hi = _limits(rows, scale, xlim)

    fig = new_figure(8.0, 4.0)
    level = float(getattr(res, "level", 95))
    if weight_label is None:
        weight_label = "Weight (in subgroup)" if subgroups is not None else "Weight"
    headers = ("Study", weight_label, f"Estimate [{level:g}% CI]")
    column_w = [
        max([text_width(fig, str(v), font) for v in values.values()] + [text_width(fig, h, font, "bold")]) + _GAP
        for h, values in columns
    ]
    label_w = (
        max(
            [
                text_width(fig, r.label, font, "bold" if r.bold else "normal")
                for r in rows
                if r.kind in ("study", "group", "pooled", "pi")
            ]
            + [text_width(fig, headers[0], font, "bold")]
        )
        + _GAP
    )
    left_w = label_w + sum(column_w)
    weight_w = (
        max(text_width(fig, "100.0%", font), text_width(fig, headers[1], font, "bold")) + _GAP
        if show_weights
        else 0.0
    )
    ci_w = (
        max(
            [text_width(fig, r.right, font, "bold" if r.bold else "normal") for r in rows]
            + [text_width(fig, headers[2], font, "bold")]
        )
        + _GAP
    )
    body_w = left_w + graph_width + weight_w + ci_w
    note_w = max(
        [text_width(fig, r.label, font - 1) for r in rows if r.kind == "note"], default=0.0
    )
    width = 2 * _MARGIN + max(body_w, note_w)
    bottom = _BOTTOM + (0.22 if favours else 0.0)
    height = _TOP + n_rows * row_h + bottom
    fig.set_size_inches(width, height)

    ax = fig.add_axes(
        (
            (_MARGIN + left_w) / width,
            bottom / height,
            graph_width / width,
            n_rows * row_h / height,
        )
    )
    _draw(
        ax,
        rows,
        scale,
        lo,
        hi,
        font,
        row_h,
        {"left": left_w, "graph": graph_width, "weight": weight_w, "ci": ci_w, "columns": column_w},
        headers,
        show_weights,
        columns,
    )
    ax.set_xlabel(
        xlab if xlab is not None else default_xlab(res.measure, scale), fontsize=font, color=INK
    )
    if favours:
        _draw_favours(ax, favours, scale, lo, hi, font)
    return fig


def _draw_favours(ax, favours, scale, lo, hi, font) -> None:
    """The two labels under the axis, meeting at the null line (or the middle without one)."""
    left, right = (str(f or "") for f in favours)
    at = scale.null if scale.null is not None and lo <= scale.null <= hi else None
    if at is None:
        at = float(np.sqrt(lo * hi)) if scale.axis == "log" else (lo + hi) / 2
    # Below the axis label: offsets in points from the bottom of the axes.
    offset = -(2.9 * font + 6)
    for text, sign, ha in ((left, -1, "right"), (right, 1, "left")):
        if text:
            arrow = f"\u2190 {text}" if sign < 0 else f"{text} \u2192"
            ax.annotate(arrow, xy=(at, 0), xycoords=("data", "axes fraction"), xytext=(sign * 4, offset),
                        textcoords="offset points", ha=ha, va="top", fontsize=font - 0.5, color=INK,
                        annotation_clip=False)


def _draw(ax, rows, scale, lo, hi, font, row_h, widths, headers, show_weights, columns=()) -> None:
    n_rows = len(rows)
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

    # x positions of the text columns in axes fractions (the graph spans 0 to 1).
    g = widths["graph"]
    x_label = -widths["left"] / g
    x_weight = 1 + (widths["weight"] - 0.05) / g
    x_ci = 1 + (widths["weight"] + widths["ci"] - 0.05) / g
    text_tf = blended_transform_factory(ax.transAxes, ax.transData)

    def put(x, y, s, ha="left", **kw):
        ax.text(
            x,
            y,
            s,
            transform=text_tf,
            ha=ha,
            va="center",
            fontsize=kw.pop("size", font),
            color=kw.pop("color", INK),
            clip_on=False,
            **kw,
        )

    # Extra columns sit right of the labels, each right-aligned at its own right edge.
    x_columns, edge = [], 0.0
    for w in reversed(widths.get("columns", [])):
        x_columns.insert(0, -(edge + 0.05) / g)
        edge += w
    put(x_label, 0, headers[0], weight="bold")
    for x, (header, _) in zip(x_columns, columns, strict=True):
        put(x, 0, header, ha="right", weight="bold")
    if show_weights:
        put(x_weight, 0, headers[1], ha="right", weight="bold")
    put(x_ci, 0, headers[2], ha="right", weight="bold")
    ax.plot([x_label, x_ci], [0.5, 0.5], transform=text_tf, color=INK, lw=0.6, clip_on=False)

    drawn = [i for i, r in enumerate(rows) if r.kind in ("study", "pooled")]
    overall = next((r for r in rows if r.kind == "pooled" and r.extra.get("overall")), None)
    y_top, y_bottom = 0.5, max(drawn) + 0.5
    if scale.null is not None:
        ax.plot([scale.null] * 2, [y_top, y_bottom], color=MUTED, lw=0.8, zorder=1)
    if overall is not None:
        ax.plot([overall.est] * 2, [y_top, y_bottom], color=MUTED, lw=0.7, ls=(0, (2, 2)), zorder=1)

    sizes = _sizes(rows, font)
    for y, r in enumerate(rows):
        if r.kind == "study":
            _draw_interval(ax, y, r.lb, r.ub, lo, hi, lw=0.9)
            if lo <= r.est <= hi:
                ax.scatter(
                    [r.est],
                    [y],
                    s=sizes[y] ** 2,
                    marker="s",
                    color=ACCENT,
                    edgecolors="none",
                    zorder=3,
                )
        elif r.kind == "pooled":
            color = INK if r.extra.get("overall") else MUTED
            h = _DIAMOND_HALF_HEIGHT
            ax.add_patch(
                Polygon(
                    [(r.lb, y), (r.est, y - h), (r.ub, y), (r.est, y + h)],
                    closed=True,
                    facecolor=color,
                    edgecolor=color,
                    lw=0.6,
                    zorder=3,
                )
            )
        elif r.kind == "pi":
            _draw_interval(ax, y, r.lb, r.ub, lo, hi, lw=1.4, caps=True, color=INK)
        if r.kind == "group":
            put(x_label, y, r.label, weight="bold")
        elif r.kind == "note":
            put(x_label, y, r.label, size=font - 1, style="italic", color=MUTED)
        elif r.kind in ("study", "pooled", "pi"):
            weight = "bold" if r.bold else "normal"
            style = "italic" if r.italic else "normal"
            put(x_label, y, r.label, weight=weight, style=style)
            if r.kind == "study":
                for x, (_, values) in zip(x_columns, columns, strict=True):
                    put(x, y, str(values.get(r.label, "")), ha="right")
            if show_weights and np.isfinite(r.weight) and r.kind != "pi":
                put(x_weight, y, f"{r.weight:.1f}%", ha="right", weight=weight)
            put(x_ci, y, r.right, ha="right", weight=weight, style=style)


def _draw_interval(ax, y, lb, ub, lo, hi, *, lw, caps=False, color=INK) -> None:
    """A horizontal interval clipped to the axis; clipped ends become arrowheads."""
    if not (np.isfinite(lb) and np.isfinite(ub)) or ub < lo or lb > hi:
        return
    a, b = max(lb, lo), min(ub, hi)
    ax.plot([a, b], [y, y], color=color, lw=lw, solid_capstyle="butt", zorder=2)
    for end, clipped, marker in ((a, lb < lo, "<"), (b, ub > hi, ">")):
        if clipped:
            ax.plot([end], [y], marker=marker, color=color, markersize=4, zorder=2, clip_on=False)
        elif caps:
            ax.plot([end, end], [y - 0.22, y + 0.22], color=color, lw=lw, zorder=2)
