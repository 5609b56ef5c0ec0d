"""Pieces shared by the forest and funnel plots: scales, labels, figures, saving."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator
from scipy.special import expit

from ..transforms import LOG_MEASURES, iarcsin, ipft_hm, transform_name

PROPORTIONS = ("PR", "PLN", "PLO", "PAS", "PFT")
# Measures whose "no effect" value is 0 on the analysis scale (1 after exp).
_CONTRASTS = (*LOG_MEASURES, "MD", "SMD", "RD", "MC", "SMCC", "SMCR")

_LABELS = {
    "RR": "Risk ratio",
    "OR": "Odds ratio",
    "PETO": "Odds ratio (Peto)",
    "ROM": "Ratio of means",
    "RD": "Risk difference",
    "MD": "Mean difference",
    "SMD": "Standardised mean difference",
    "MN": "Mean",
    "MC": "Mean change",
    "SMCC": "Standardised mean change",
    "SMCR": "Standardised mean change",
    "PR": "Proportion",
    "PLN": "Proportion",
    "PLO": "Proportion",
    "PAS": "Proportion",
    "PFT": "Proportion",
}
_SCALE_LABELS = {
    "RR": "Log risk ratio",
    "OR": "Log odds ratio",
    "PETO": "Log odds ratio (Peto)",
    "ROM": "Log ratio of means",
    "PLN": "Log proportion",
    "PLO": "Logit proportion",
    "PAS": "Arcsine square-root proportion",
    "PFT": "Freeman-Tukey proportion",
}

FORMATS = ("svg", "png", "pdf")
INK = "#1a1a1a"
MUTED = "#6e6e6e"
ACCENT = "#2f5d8a"


@dataclass(frozen=True)
class Scale:
    """How values on the analysis scale are shown on the x axis."""

    name: str
    func: Callable[[np.ndarray], np.ndarray]
    axis: str  # "log" (ratios), "unit" (proportions, 0 to 1) or "linear"
    null: float | None

    def __call__(self, values) -> np.ndarray:
        return self.func(np.asarray(values, dtype=float))


def resolve_scale(transform: str | None, measure: str | None, ni=None) -> Scale:
    """The display scale: ``transform`` by name, or by default the measure's own."""
    name = transform_name(measure) if transform is None else transform
    contrast = measure in _CONTRASTS or measure is None
    if name == "identity":
        # Raw proportions keep the 0-1 axis; their Wald intervals can spill past it.
        axis = "unit" if measure == "PR" else "linear"
        return Scale("identity", lambda v: v, axis, 0.0 if contrast else None)
    if name == "exp":
        return Scale("exp", np.exp, "log", 1.0 if contrast else None)
    if name == "ilogit":
        return Scale("ilogit", expit, "unit", None)
    if name == "iarcsin":
        return Scale("iarcsin", iarcsin, "unit", None)
    if name == "ipft.hm":
        if ni is None:
            raise ValueError("the PFT back-transformation needs the study sample sizes (ni)")
        return Scale("ipft.hm", lambda v: ipft_hm(v, ni), "unit", None)
    raise ValueError(
        f"unknown transform {transform!r}; use None, 'identity', 'exp', 'ilogit', "
        "'iarcsin' or 'ipft.hm'"
    )


def default_xlab(measure: str | None, scale: Scale) -> str:
    if scale.name == "identity" and measure in _SCALE_LABELS:
        return _SCALE_LABELS[measure]
    return _LABELS.get(measure, "Estimate")


# Study labels, subgroup names and analysis names are user text: a pair of "$" in them must
# print as typed, not be parsed as mathtext (which fails on most such text). No label of
# the plots themselves uses mathtext.
LITERAL_TEXT = {"text.parse_math": False}


def literal_text(draw):
    """Run ``draw`` with mathtext off, for the text it creates and the tick labels it draws."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(LITERAL_TEXT):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(width: float, height: float, dpi: float = 150) -> Figure:
    """A Figure on its own Agg canvas, outside pyplot, so no global state is touched."""
    fig = Figure(figsize=(width, height), dpi=dpi, layout="none")
    FigureCanvasAgg(fig)
    return fig


def text_width(fig: Figure, text: str, size: float, weight: str = "normal") -> float:
    """Rendered width of ``text`` in inches, for laying out columns before drawing."""
    renderer = fig.canvas.get_renderer()
    prop = FontProperties(size=size, weight=weight)
    width, _, _ = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return width / fig.dpi


def fmt_num(value: float, digits: int) -> str:
    # A true minus sign, as typeset; "-0.00" would read as a sign where there is none.
    text = f"{value:.{digits}f}"
    if float(text) == 0:
        text = f"{0:.{digits}f}"
    return text.replace("-", "\u2212")


def fmt_p(p: float) -> str:
    if not np.isfinite(p):
        return "p = NA"
    if p < 0.001:
        return "p < 0.001"
    return f"p = {p:.3f}" if p < 0.1 else f"p = {p:.2f}"


def common_effect(res) -> bool:
    """Whether ``res`` is a common-effect fit: FE/EE ``rma``, Mantel-Haenszel, Peto, or a
    GLMM without random effects."""
    method = str(getattr(res, "method", ""))
    model = str(getattr(res, "model", ""))
    return (
        method in ("MH", "PETO")
        or model in ("FE", "EE", "CE")
        or (model == "glmm" and method == "FE")
    )


def i2_from_tau2(res) -> bool:
    """Whether ``res.I2`` is metafor's tau^2-based I^2 (random-effects fits, GLMMs) rather
    than the one from Q (fixed-effect, Mantel-Haenszel and Peto fits)."""
    method = str(getattr(res, "method", ""))
    return method not in ("MH", "PETO") and str(getattr(res, "model", "")) not in ("FE", "EE", "CE")


def i2_text(res, i2: str = "tau2") -> str:
    """The I^2 part of a heterogeneity line, naming which I^2 it is.

    ``i2="Q"`` shows Higgins & Thompson's I^2 from Q with its confidence interval;
    ``"tau2"`` the fit's own ``I2`` (from tau^2 for random-effects fits, as metafor).
    """
    if i2 not in ("tau2", "Q"):
        raise ValueError(f"unknown I\u00b2 convention {i2!r}; expected 'tau2' or 'Q'")
    # A common-effect GLMM estimates no tau^2: its only meaningful I^2 is the one from Q.
    if i2 == "Q" or (str(getattr(res, "model", "")) == "glmm" and common_effect(res)):
        value = getattr(res, "I2_Q", np.nan)
        if not np.isfinite(value):
            return ""
        text = f"I\u00b2 from Q = {value:.1f}%"
        lb, ub = getattr(res, "I2_Q_ci_lb", np.nan), getattr(res, "I2_Q_ci_ub", np.nan)
        if np.isfinite(lb) and np.isfinite(ub):
            text += f" [{lb:.1f}%, {ub:.1f}%]"
        return text
    value = getattr(res, "I2", np.nan)
    if not np.isfinite(value):
        return ""
    source = "\u03c4\u00b2" if i2_from_tau2(res) else "Q"
    return f"I\u00b2 from {source} = {value:.1f}%"


def heterogeneity_text(res, digits: int, i2: str = "tau2") -> str:
    """One line: I^2 (saying which), tau^2 (random-effects fits), Q with df and p."""
    parts = []
    i2_part = i2_text(res, i2)
    if i2_part:
        parts.append(i2_part)
    if not common_effect(res):
        parts.append(f"\u03c4\u00b2 = {fmt_num(res.tau2, max(digits, 3))}")
    q = getattr(res, "Q", np.nan)
    if q is not None and np.isfinite(q):
        parts.append(f"Q = {q:.2f} (df = {res.Q_df}), {fmt_p(res.Q_p)}")
    return "Heterogeneity: " + ", ".join(parts) if parts else ""


def set_ratio_ticks(ax, lo: float, hi: float) -> None:
    """Ticks on a log axis at 1-2-5 ratios, labelled as plain numbers (0.5, 1, 2)."""
    exps = range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 2)
    for mantissas in ((1, 2, 5), (1, 3), (1,)):
        ticks = [m * 10.0**e for e in exps for m in mantissas]
        ticks = [t for t in ticks if lo <= t * (1 + 1e-9) and t <= hi * (1 + 1e-9)]
        if len(ticks) <= 7:
            break
    if len(ticks) > 7:
        ticks = ticks[:: int(np.ceil(len(ticks) / 7))]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))


def set_linear_ticks(ax) -> None:
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}".replace("-", "\u2212")))


@literal_text
def save_figure(fig: Figure, path_or_file, format: str | None = None, *, dpi: float = 300):
    """Write ``fig`` as SVG, PNG or PDF.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_or_file : str, os.PathLike or binary file object
    format : {"svg", "png", "pdf"}, optional
        Taken from the file suffix when omitted, else SVG.
    dpi : float
        Resolution of PNG output.

    Notes
    -----
    The creation date is left out of SVG and PDF output so the same figure always gives
    the same bytes.
    """
    if format is None:
        suffix = (
            Path(path_or_file).suffix.lower().lstrip(".")
            if isinstance(path_or_file, str | Path)
            else ""
        )
        format = suffix if suffix in FORMATS else "svg"
    format = format.lower()
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}; got {format!r}")
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(format)
    fig.savefig(path_or_file, format=format, dpi=dpi, metadata=metadata, facecolor="white")
