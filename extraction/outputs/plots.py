"""Traffic-light and weighted summary plots drawn the way robvis draws them.

References
----------
McGuinness LA, Higgins JPT. Risk-of-bias VISualization (robvis): an R package and Shiny web
app for visualizing risk-of-bias assessments. Res Syn Meth 2021;12:55-61.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from concord.plotting import literal_text  # noqa: E402
from extraction.instruments import INSTRUMENTS, JUDGEMENT_LABELS  # noqa: E402
from extraction.selectors import locked_consensus  # noqa: E402

# robvis colours; good/fair/poor (Newcastle–Ottawa, AHRQ) share low/some concerns/high.
COLOURS = {"low": "#02C100", "some_concerns": "#E2DF07", "unclear": "#E2DF07", "high": "#BF0000",
           "good": "#02C100", "fair": "#E2DF07", "poor": "#BF0000"}
SYMBOLS = {"low": "+", "good": "+", "some_concerns": "-", "fair": "-", "unclear": "?", "high": "X", "poor": "X"}
ORDER = ["low", "good", "some_concerns", "fair", "unclear", "high", "poor"]
FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}


def assessments(review, instrument_code: str) -> list[tuple[str, dict, str | None]]:
    """(study label, domain judgements, overall) for every locked appraisal with this instrument."""
    instrument = INSTRUMENTS[instrument_code]
    out = []
    for s in locked_consensus(review, kind="appraisal").studies:
        if s.instrument == instrument_code:
            result = instrument.score(s.data)
            out.append((s.label, result.domains, result.overall))
    return out


def weight_fields(review) -> list[tuple[str, str]]:
    """Numeric once-per-study fields of the current form that can weight the summary plot."""
    from extraction.formspec import cells
    from extraction.services.forms import current_form

    form = current_form(review)
    if form is None:
        return []
    return [(c.key, c.label) for c in cells(form.schema)
            if c.type in ("integer", "decimal") and not (c.arm or c.timepoint or c.component)]


def weights_from(review, key: str) -> dict[str, float]:
    """Study weights (e.g. sample size) from locked extraction data; a study without one weighs 0."""
    out = {}
    for s in locked_consensus(review, kind="extraction").studies:
        try:
            out[s.label] = float(s.data.get(key))
        except (TypeError, ValueError):
            out[s.label] = 0.0
    return out


def _render(fig, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # A fixed date keeps PDF and SVG output byte-stable for the same data.
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(fmt, {})
    # A fixed salt makes the SVG element ids, and so the file, the same on every run.
    with matplotlib.rc_context({"svg.hashsalt": "concord"}):
        fig.savefig(buffer, format=fmt, bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return buffer.getvalue()


def _legend(instrument, used):
    return [Patch(color=COLOURS[j], label=JUDGEMENT_LABELS[j]) for j in ORDER if j in used]


@literal_text
def traffic_light(rows, instrument_code: str, fmt: str = "svg") -> bytes:
    instrument = INSTRUMENTS[instrument_code]
    domains = [d.key for d in instrument.domains]
    columns = [d.short for d in instrument.domains] + ["Overall"]
    fig, ax = plt.subplots(figsize=(1.0 + 0.7 * len(columns), 0.8 + 0.45 * max(len(rows), 1)))
    used = set()
    for y, (_label, judgements, overall) in enumerate(rows):
        for x, value in enumerate([judgements.get(d) for d in domains] + [overall]):
            if not value:
                continue
            used.add(value)
            ax.scatter(x, y, s=380, color=COLOURS[value], edgecolors="black", linewidths=0.5)
            ax.text(x, y, SYMBOLS[value], ha="center", va="center", fontsize=9, fontweight="bold")
    ax.set_xticks(range(len(columns)), columns)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(max(len(rows), 1) - 0.5, -0.5)
    ax.set_title(instrument.name, fontsize=10, pad=24)
    for side in ("right", "left", "bottom", "top"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    notes = "  ".join(f"{d.short}: {d.label}" for d in instrument.domains)
    fig.text(0.01, -0.02, notes, fontsize=6, wrap=True, va="top")
    if used:
        ax.legend(handles=_legend(instrument, used), loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8,
                  frameon=False, title="Judgement", title_fontsize=8)
    return _render(fig, fmt)


@literal_text
def summary(rows, instrument_code: str, fmt: str = "svg", weights: dict[str, float] | None = None) -> bytes:
    """Per domain, the (weighted) share of studies at each judgement, as stacked horizontal bars."""
    instrument = INSTRUMENTS[instrument_code]
    labels = [d.label for d in instrument.domains] + ["Overall risk of bias"]
    fig, ax = plt.subplots(figsize=(9, 0.6 + 0.45 * len(labels)))
    used = set()
    for index in range(len(labels)):
        totals: dict[str, float] = {}
        for label, judgements, overall in rows:
            value = overall if index == len(instrument.domains) else judgements.get(instrument.domains[index].key)
            if value:
                weight = weights.get(label, 0.0) if weights is not None else 1.0
                totals[value] = totals.get(value, 0.0) + weight
        whole = sum(totals.values())
        left = 0.0
        for judgement in ORDER:
            if judgement in totals and whole:
                share = totals[judgement] / whole
                ax.barh(index, share, left=left, color=COLOURS[judgement], edgecolor="black", linewidth=0.5)
                left += share
                used.add(judgement)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_title(f"{instrument.name}{' (weighted)' if weights else ''}", fontsize=10)
    if used:
        ax.legend(handles=_legend(instrument, used), loc="upper center", bbox_to_anchor=(0.5, -0.12),
                  ncol=len(used), frameon=False, fontsize=8)
    return _render(fig, fmt)
