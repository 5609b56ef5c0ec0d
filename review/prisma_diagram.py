"""The PRISMA 2020 flow diagram (new reviews: databases, registers and other methods), drawn with
matplotlib for SVG, PNG and PDF.

The boxes are laid out from their text, so a long list of databases or reasons grows its row
instead of being cut. Every number is its own text item with a name (its ``gid``), which the SVG
keeps as the id of the item's group: the numbers can be read back from the file.
"""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from concord.plotting import literal_text
from review.models.reviews import SourceKind
from review.prisma import DBR, OTHER, OTHER_KINDS, Column, PrismaCounts


def _n(value: int) -> str:
    return f"{value:,}"


# The diagram is laid out in units of a tenth of an inch; a line of 8.5 pt text is 1.6 units.
WIDTH = 140
LINE = 1.6
PAD = 1.0
GAP = 4.0
INDENT, INDENT_CHARS = 1.4, 3
BAND, MAIN1, SIDE1, MAIN2, SIDE2 = (1, 4.5), (8, 34), (46, 34), (85, 25), (113, 25)
BLUE, YELLOW, GREY = "#a6c8e8", "#ffd966", "#d9d9d9"
PRISMA_CITATION = "PRISMA 2020 flow diagram (Page et al., BMJ 2021;372:n71)."
SOURCES_NOTE = "*Records each database and register returned."
NOT_PRISMA = "\u2020"
OTHER_NOTE = (
    f"{NOT_PRISMA}Not a box of the PRISMA 2020 template, whose other-methods column goes straight to retrieval: "
    "Concord screens these records at title and abstract like the others. Duplicates found within "
    "other-methods sources stay in this column (PRISMA 2020 has no box for them) rather than being "
    "added to the databases column's."
)


_COUNT = re.compile(r"\(n = [0-9,]+\)")
_KEEP = "\x00"


@dataclass
class Item:
    """One counted line of a box (its ``gid`` names it in the SVG), or a heading without one."""

    text: str
    gid: str | None = None
    indent: int = 0


@dataclass
class Box:
    gid: str
    x: float
    width: float
    items: list[Item]
    face: str = "white"
    dashed: bool = False
    size: float = 8.5

    @property
    def chars(self) -> int:
        # A little over half an em a character in DejaVu Sans; a unit is 7.2 pt.
        return int((self.width - 2.4) * 7.2 / (0.54 * self.size))

    def lines(self, item: Item) -> list[str]:
        # A count never breaks inside its "(n = 12)".
        text = _COUNT.sub(lambda m: m.group(0).replace(" ", _KEEP), item.text)
        lines = textwrap.wrap(text, self.chars - INDENT_CHARS * item.indent, break_on_hyphens=False) or [""]
        return [line.replace(_KEEP, " ") for line in lines]

    @property
    def height(self) -> float:
        scale = self.size / 8.5
        return 2 * PAD + LINE * scale * sum(len(self.lines(item)) for item in self.items)


def _count(label: str, n: int, gid: str, indent: int = 0) -> Item:
    return Item(f"{label} (n = {_n(n)})", gid, indent)


def _reason_items(prefix: str, reasons: dict[str, int]) -> list[Item]:
    total = _count("Reports excluded", sum(reasons.values()), f"{prefix}-reports-excluded")
    if reasons:
        total.text += ":"
    return [total] + [_count(label, n, f"{prefix}-reason-{i}", 1) for i, (label, n) in enumerate(reasons.items())]


def _removed_items(prefix: str, column: Column, mark: str = "") -> list[Item]:
    return [
        Item(f"Records removed before screening{mark}:"),
        _count("Duplicate records removed", column.duplicates, f"{prefix}-duplicates", 1),
        _count("Records marked as ineligible by automation tools", column.automation, f"{prefix}-automation", 1),
        _count("Records removed for other reasons", column.removed_other, f"{prefix}-removed-other", 1),
    ]


def _screened_items(prefix: str, column: Column, mark: str = "") -> list[Item]:
    items = [_count(f"Records screened{mark}", column.screened, f"{prefix}-screened")]
    if column.awaiting_screening:
        items.append(_count("Records still to screen", column.awaiting_screening, f"{prefix}-awaiting-screening"))
    return items


def _assessed_items(prefix: str, column: Column) -> list[Item]:
    items = [_count("Reports assessed for eligibility", column.assessed, f"{prefix}-assessed")]
    if column.awaiting_assessment:
        items.append(_count("Awaiting their full text or a decision", column.awaiting_assessment,
                            f"{prefix}-awaiting-assessment", 1))
    return items


def diagram_rows(counts: PrismaCounts) -> list[list[Box]]:
    """The boxes of the diagram, row by row from identification to the included studies.

    Every number the diagram shows is an item here, named by its ``gid``; the SVG keeps the
    names, so the same numbers can be read back from the file.
    """
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    ident = [Item("Records identified from*:")]
    for kind, label, per_source in (("databases", "Databases", counts.databases),
                                    ("registers", "Registers", counts.registers)):
        ident.append(_count(label, sum(per_source.values()), f"dbr-identified-{kind}"))
        ident += [_count(name, n, f"dbr-source-{kind}-{i}", 1) for i, (name, n) in enumerate(per_source.items())]
    other_ident = [Item("Records identified from:")]
    for kind, label in OTHER_KINDS.items():
        sources = counts.other_sources.get(kind, {})
        # "Other sources" has no line in the template: it is drawn only when the review has one.
        if kind == SourceKind.OTHER and not sources:
            continue
        other_ident.append(_count(label, sum(sources.values()), f"other-identified-{kind}"))
        other_ident += [_count(name, n, f"other-source-{kind}-{i}", 1) for i, (name, n) in enumerate(sources.items())]
    rows = [
        [Box("dbr-identification", *MAIN1, ident), Box("dbr-removed", *SIDE1, _removed_items("dbr", dbr)),
         Box("other-identification", *MAIN2, other_ident)],
        [Box("dbr-screening", *MAIN1, _screened_items("dbr", dbr)),
         Box("dbr-excluded", *SIDE1, [_count("Records excluded", dbr.records_excluded, "dbr-records-excluded")])],
        [Box("dbr-retrieval", *MAIN1, [_count("Reports sought for retrieval", dbr.sought, "dbr-sought")]),
         Box("dbr-unretrieved", *SIDE1, [_count("Reports not retrieved", dbr.not_retrieved, "dbr-not-retrieved")]),
         Box("other-retrieval", *MAIN2, [_count("Reports sought for retrieval", other.sought, "other-sought")]),
         Box("other-unretrieved", *SIDE2, [_count("Reports not retrieved", other.not_retrieved,
                                                  "other-not-retrieved")])],
        [Box("dbr-eligibility", *MAIN1, _assessed_items("dbr", dbr)),
         Box("dbr-reasons", *SIDE1, _reason_items("dbr", dbr.excluded_reasons), size=7.5),
         Box("other-eligibility", *MAIN2, _assessed_items("other", other)),
         Box("other-reasons", *SIDE2, _reason_items("other", other.excluded_reasons), size=7.5)],
        [Box("included", *MAIN1, [
            _count("Studies included in review", counts.studies_included, "studies-included"),
            _count("Reports of included studies", counts.reports_included, "reports-included"),
            _count("from databases and registers", dbr.included_reports, "dbr-included-reports", 1),
            _count("from other methods", other.included_reports, "other-included-reports", 1),
        ])],
    ]
    if other.identified_total:
        # Boxes PRISMA 2020 does not have (the footnote says so), drawn dashed and marked.
        rows[0].append(Box("other-removed", *SIDE2, _removed_items("other", other, NOT_PRISMA), dashed=True))
        rows[1] += [
            Box("other-screening", *MAIN2, _screened_items("other", other, NOT_PRISMA), dashed=True),
            Box("other-excluded", *SIDE2, [_count(f"Records excluded{NOT_PRISMA}", other.records_excluded,
                                                  "other-records-excluded")], dashed=True),
        ]
    return rows


def _draw_box(ax, box: Box, top: float, height: float) -> None:
    ax.add_patch(FancyBboxPatch((box.x, top - height), box.width, height, boxstyle="round,pad=0,rounding_size=0.6",
                                facecolor=box.face, edgecolor="#333333", linewidth=0.9,
                                linestyle="--" if box.dashed else "-", gid=box.gid))
    y = top - PAD
    scale = box.size / 8.5
    for item in box.items:
        lines = box.lines(item)
        # Indented by position, not by spaces, which an SVG viewer collapses.
        ax.text(box.x + 1.2 + INDENT * item.indent, y, "\n".join(lines), ha="left", va="top", size=box.size,
                linespacing=1.35, gid=item.gid)
        y -= LINE * scale * len(lines)


def _arrow(ax, start, end, **style):
    ax.annotate("", xy=end, xytext=start,
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 0.9, "shrinkA": 0, "shrinkB": 0, **style})


def _title(ax, x, width, top, text, face):
    ax.add_patch(FancyBboxPatch((x, top - 6), width, 6, boxstyle="round,pad=0,rounding_size=0.6",
                                facecolor=face, edgecolor="#333333", linewidth=0.9))
    ax.text(x + width / 2, top - 3, text, ha="center", va="center", size=10, weight="bold")


def _band(ax, top, bottom, text):
    ax.add_patch(FancyBboxPatch((BAND[0], bottom), BAND[1], top - bottom, boxstyle="round,pad=0,rounding_size=0.6",
                                facecolor=BLUE, edgecolor="#333333", linewidth=0.9))
    ax.text(BAND[0] + BAND[1] / 2, (top + bottom) / 2, text, rotation=90, ha="center", va="center", size=8.5,
            weight="bold")


@literal_text
def figure(counts: PrismaCounts) -> Figure:
    """The PRISMA 2020 flow diagram for new reviews (databases, registers and other methods)."""
    rows = diagram_rows(counts)
    heights = [max(8.0, *(box.height for box in row)) for row in rows]
    notes = [SOURCES_NOTE + " " + PRISMA_CITATION]
    if any(box.dashed for row in rows for box in row):
        notes.append(OTHER_NOTE)
    note_lines = [line for note in notes for line in textwrap.wrap(note, 190)]
    total = 1 + 6 + GAP / 2 + sum(heights) + GAP * (len(rows) - 1) + 1.5 + 1.3 * len(note_lines)
    fig = Figure(figsize=(WIDTH / 10, total / 10))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, total)
    ax.axis("off")
    top = total - 1
    _title(ax, MAIN1[0], SIDE1[0] + SIDE1[1] - MAIN1[0], top, "Identification of new studies via databases and registers",
           YELLOW)
    _title(ax, MAIN2[0], SIDE2[0] + SIDE2[1] - MAIN2[0], top, "Identification of new studies via other methods", GREY)
    top -= 6 + GAP / 2
    tops, placed = [], {}
    for row, height in zip(rows, heights, strict=True):
        tops.append(top)
        for box in row:
            _draw_box(ax, box, top, height)
            placed[box.gid] = (top, top - height)
        top -= height + GAP
    bottoms = [t - h for t, h in zip(tops, heights, strict=True)]
    _band(ax, tops[0], bottoms[0], "Identification")
    _band(ax, tops[1], bottoms[3], "Screening")
    _band(ax, tops[4], bottoms[4], "Included")

    def flow(main, side_x, chain, sides):
        cx = main[0] + main[1] / 2
        chain = [gid for gid in chain if gid in placed]
        for upper, lower in zip(chain, chain[1:], strict=False):
            _arrow(ax, (cx, placed[upper][1]), (cx, placed[lower][0]))
        for gid, side in sides.items():
            if gid in placed and side in placed:
                y = (placed[gid][0] + placed[gid][1]) / 2
                _arrow(ax, (main[0] + main[1], y), (side_x, y))

    flow(MAIN1, SIDE1[0], ["dbr-identification", "dbr-screening", "dbr-retrieval", "dbr-eligibility", "included"],
         {"dbr-identification": "dbr-removed", "dbr-screening": "dbr-excluded",
          "dbr-retrieval": "dbr-unretrieved", "dbr-eligibility": "dbr-reasons"})
    flow(MAIN2, SIDE2[0], ["other-identification", "other-screening", "other-retrieval", "other-eligibility"],
         {"other-identification": "other-removed", "other-screening": "other-excluded",
          "other-retrieval": "other-unretrieved", "other-eligibility": "other-reasons"})
    included_top, included_bottom = placed["included"]
    _arrow(ax, (MAIN2[0] + MAIN2[1] / 2, placed["other-eligibility"][1]),
           (MAIN1[0] + MAIN1[1], (included_top + included_bottom) / 2),
           connectionstyle="angle,angleA=90,angleB=0")
    y = bottoms[-1] - 1.5
    for line in note_lines:
        ax.text(MAIN1[0], y, line, ha="left", va="top", size=7, color="#444444")
        y -= 1.3
    return fig


def diagram(counts: PrismaCounts, fmt: str) -> bytes:
    return save(figure(counts), fmt)


def save(fig: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    # Text stays text in SVG (crisp, searchable); PDF embeds TrueType fonts.
    with matplotlib.rc_context({"svg.fonttype": "none", "pdf.fonttype": 42}):
        fig.savefig(buffer, format=fmt, dpi=200 if fmt == "png" else None, metadata=_metadata(fmt))
    return buffer.getvalue()


def _metadata(fmt: str):
    # Fixed metadata keeps repeated exports byte-identical for the same counts.
    if fmt == "svg":
        return {"Date": None}
    if fmt == "pdf":
        return {"CreationDate": None}
    return None
