"""PRISMA 2020 counts as JSON, as the PRISMA2020 R package / Shiny app CSV, and as a diagram."""

from __future__ import annotations

import io
import json
import textwrap

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from concord import spreadsheets
from concord.plotting import literal_text
from review.prisma import DBR, OTHER, PrismaCounts

FORMATS = ("json", "csv", "svg", "png", "pdf")
CONTENT_TYPES = {
    "json": "application/json", "csv": spreadsheets.CSV_CONTENT_TYPE, "svg": "image/svg+xml",
    "png": "image/png", "pdf": "application/pdf",
}

# The columns and rows of PRISMA2020's inst/extdata/PRISMA.csv, so the file loads in
# PRISMA_data() and the Shiny app; only "n" is ours.
CSV_HEADER = ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
_TEMPLATE = [
    ("NA", "node4", "prevstud", "Grey title box; Previous studies", "Previous studies"),
    ("previous_studies", "node5", "box1", "Studies included in previous version of review",
     "Studies included in previous version of review"),
    ("previous_reports", "NA", "box1", "Reports of studies included in previous version of review",
     "Reports of studies included in previous version of review"),
    ("NA", "node6", "newstud", "Yellow title box; Identification of new studies via databases and registers",
     "Identification of new studies via databases and registers"),
    ("database_results", "node7", "box2", "Records identified from: Databases", "Databases"),
    ("database_specific_results", "NA", "box2", "Records identified from each database", "Databases"),
    ("register_results", "NA", "box2", "Records identified from: Registers", "Registers"),
    ("register_specific_results", "NA", "box2", "Records identified from each register", "Registers"),
    ("NA", "node16", "othstud", "Grey title box; Identification of new studies via other methods",
     "Identification of new studies via other methods"),
    ("website_results", "node17", "box11", "Records identified from: Websites", "Websites"),
    ("organisation_results", "NA", "box11", "Records identified from: Organisations", "Organisations"),
    ("citations_results", "NA", "box11", "Records identified from: Citation searching", "Citation searching"),
    ("duplicates", "node8", "box3", "Duplicate records", "Duplicate records"),
    ("excluded_automatic", "NA", "box3", "Records marked as ineligible by automation tools",
     "Records marked as ineligible by automation tools"),
    ("excluded_other", "NA", "box3", "Records removed for other reasons", "Records removed for other reasons"),
    ("records_screened", "node9", "box4", "Records screened (databases and registers)", "Records screened"),
    ("records_excluded", "node10", "box5", "Records excluded (databases and registers)", "Records excluded"),
    ("dbr_sought_reports", "node11", "box6", "Reports sought for retrieval (databases and registers)",
     "Reports sought for retrieval"),
    ("dbr_notretrieved_reports", "node12", "box7", "Reports not retrieved (databases and registers)",
     "Reports not retrieved"),
    ("other_sought_reports", "node18", "box12", "Reports sought for retrieval (other)", "Reports sought for retrieval"),
    ("other_notretrieved_reports", "node19", "box13", "Reports not retrieved (other)", "Reports not retrieved"),
    ("dbr_assessed", "node13", "box8", "Reports assessed for eligibility (databases and registers)",
     "Reports assessed for eligibility"),
    ("dbr_excluded", "node14", "box9", "Reports excluded (databases and registers)", "Reports excluded"),
    ("other_assessed", "node20", "box14", "Reports assessed for eligibility (other)", "Reports assessed for eligibility"),
    ("other_excluded", "node21", "box15", "Reports excluded (other)", "Reports excluded"),
    ("new_studies", "node15", "box10", "New studies included in review", "New studies included in review"),
    ("new_reports", "NA", "box10", "Reports of new included studies", "Reports of new included studies"),
    ("total_studies", "node22", "box16", "Total studies included in review", "Total studies included in review"),
    ("total_reports", "NA", "box16", "Reports of total included studies", "Reports of total included studies"),
    ("identification", "node1", "identification", "Blue identification box", "Identification"),
    ("screening", "node2", "screening", "Blue screening box", "Screening"),
    ("included", "node3", "included", "Blue included box", "Included"),
]


def _pairs(counts: dict[str, int]) -> str:
    # PRISMA2020 parses "Name, n; Name, n" for per-database results and reasons.
    return "; ".join(f"{name.replace(',', ' ').replace(';', ' ')}, {n}" for name, n in counts.items())


def csv_values(counts: PrismaCounts) -> dict[str, object]:
    data = counts.as_dict()
    ident = data["identification"]
    return {
        "previous_studies": 0, "previous_reports": 0,
        "database_results": ident["database_results"], "database_specific_results": _pairs(counts.databases),
        "register_results": ident["register_results"], "register_specific_results": _pairs(counts.registers),
        "website_results": ident["website_results"], "organisation_results": ident["organisation_results"],
        "citations_results": ident["citations_results"],
        # PRISMA has one duplicates box, under databases and registers; other-method
        # duplicates are removed there too.
        "duplicates": data["duplicates"] + data["other_duplicates"],
        "excluded_automatic": 0, "excluded_other": 0,
        "records_screened": data["records_screened"], "records_excluded": data["records_excluded"],
        "dbr_sought_reports": data["dbr_sought_reports"], "dbr_notretrieved_reports": data["dbr_notretrieved_reports"],
        "other_sought_reports": data["other_sought_reports"],
        "other_notretrieved_reports": data["other_notretrieved_reports"],
        "dbr_assessed": data["dbr_assessed"], "dbr_excluded": _pairs(data["dbr_excluded"]),
        "other_assessed": data["other_assessed"], "other_excluded": _pairs(data["other_excluded"]),
        "new_studies": data["new_studies"], "new_reports": data["new_reports"],
        "total_studies": data["total_studies"], "total_reports": data["total_reports"],
    }


def to_csv(counts: PrismaCounts) -> str:
    values = csv_values(counts)
    rows = []
    for data, node, box, description, boxtext in _TEMPLATE:
        n = values.get(data, 0)
        rows.append([data, node, box, description, boxtext, description if node != "NA" else "NA",
                     "NA", n if n != "" else 0])
    # Source names and exclusion reasons are user text: the shared writer neutralises them.
    return spreadsheets.csv_text(CSV_HEADER, rows)


def to_json(counts: PrismaCounts) -> str:
    return json.dumps(counts.as_dict(), indent=2, ensure_ascii=False)


def render(counts: PrismaCounts, fmt: str) -> bytes:
    if fmt == "json":
        return to_json(counts).encode()
    if fmt == "csv":
        return to_csv(counts).encode()
    if fmt in ("svg", "png", "pdf"):
        return diagram(counts, fmt)
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def _n(value: int) -> str:
    return f"{value:,}"


def _box(ax, x, y, w, h, text, *, face="white", size=8.5, bold=False, rotate=False, align="left"):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0,rounding_size=0.6",
                                facecolor=face, edgecolor="#333333", linewidth=0.9))
    if rotate:
        ax.text(x + w / 2, y + h / 2, text, rotation=90, ha="center", va="center", size=size, weight="bold")
        return
    tx = x + 1.2 if align == "left" else x + w / 2
    ax.text(tx, y + h - 1.0, text, ha=align, va="top", size=size, weight="bold" if bold else "normal",
            linespacing=1.35)


def _arrow(ax, start, end):
    ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 0.9})


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.fill(line, width) if line else "" for line in text.split("\n"))


def _reasons(reasons: dict[str, int], width: int) -> str:
    if not reasons:
        return "Reports excluded (n = 0)"
    lines = [f"Reports excluded (n = {_n(sum(reasons.values()))}):"]
    lines += [textwrap.fill(f"{label} (n = {_n(n)})", width, subsequent_indent="   ") for label, n in reasons.items()]
    return "\n".join(lines)


@literal_text
def diagram(counts: PrismaCounts, fmt: str) -> bytes:
    """The PRISMA 2020 flow diagram for new reviews (databases, registers and other methods)."""
    data = counts.as_dict()
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    fig = Figure(figsize=(14, 10.5))
    ax = fig.add_axes([0, 0, 1, 1])
    ax.set_xlim(0, 140)
    ax.set_ylim(0, 105)
    ax.axis("off")
    blue, yellow, grey = "#a6c8e8", "#ffd966", "#d9d9d9"
    # Column x positions: band, databases main, databases side, other main, other side.
    band, m1, s1, m2, s2 = 1, 8, 46, 85, 113
    mw, sw, ow = 34, 34, 24
    _box(ax, m1, 96, s1 + sw - m1, 6, "Identification of new studies via databases and registers",
         face=yellow, bold=True, align="center", size=10)
    _box(ax, m2, 96, s2 + ow - m2, 6, "Identification of new studies via other methods",
         face=grey, bold=True, align="center", size=10)
    _box(ax, band, 70, 4.5, 24, "Identification", face=blue, rotate=True)
    _box(ax, band, 24, 4.5, 44, "Screening", face=blue, rotate=True)
    _box(ax, band, 2, 4.5, 20, "Included", face=blue, rotate=True)

    ident = ["Records identified from*:", f"Databases (n = {_n(data['identification']['database_results'])})"]
    ident += [f"   {name} (n = {_n(n)})" for name, n in counts.databases.items()]
    ident.append(f"Registers (n = {_n(data['identification']['register_results'])})")
    ident += [f"   {name} (n = {_n(n)})" for name, n in counts.registers.items()]
    _box(ax, m1, 70, mw, 24, "\n".join(ident[:12]))
    removed = (f"Records removed before screening:\n   Duplicate records removed (n = {_n(dbr.duplicates + other.duplicates)})"
               "\n   Records marked as ineligible by\n   automation tools (n = 0)\n   Records removed for other\n"
               "   reasons (n = 0)")
    _box(ax, s1, 70, sw, 24, removed)
    _box(ax, m2, 70, ow, 24, _wrap(
        f"Records identified from:\nWebsites (n = {_n(counts.websites)})\n"
        f"Organisations (n = {_n(counts.organisations)})\nCitation searching (n = {_n(counts.citations)})", 30))

    _box(ax, m1, 57, mw, 8, f"Records screened\n(n = {_n(dbr.screened)})")
    _box(ax, s1, 57, sw, 8, f"Records excluded\n(n = {_n(dbr.records_excluded)})")
    _box(ax, m1, 45, mw, 8, f"Reports sought for retrieval\n(n = {_n(dbr.sought)})")
    _box(ax, s1, 45, sw, 8, f"Reports not retrieved\n(n = {_n(dbr.not_retrieved)})")
    _box(ax, m1, 24, mw, 17, f"Reports assessed for eligibility\n(n = {_n(dbr.assessed)})")
    _box(ax, s1, 24, sw, 17, _reasons(dbr.excluded_reasons, 44), size=7.5)
    _box(ax, m2, 45, ow, 8, _wrap(f"Reports sought for retrieval\n(n = {_n(other.sought)})", 30))
    _box(ax, s2, 45, ow, 8, _wrap(f"Reports not retrieved\n(n = {_n(other.not_retrieved)})", 30))
    _box(ax, m2, 24, ow, 17, _wrap(f"Reports assessed for eligibility\n(n = {_n(other.assessed)})", 30))
    _box(ax, s2, 24, ow, 17, _reasons(other.excluded_reasons, 30), size=7)
    _box(ax, m1, 5, mw, 14, f"Studies included in review\n(n = {_n(counts.studies_included)})\n"
         f"Reports of included studies\n(n = {_n(counts.reports_included)})")

    cx = m1 + mw / 2
    for top, bottom in ((70, 65), (57, 53), (45, 41), (24, 19)):
        _arrow(ax, (cx, top), (cx, bottom))
    for y in (82, 61, 49, 32.5):
        _arrow(ax, (m1 + mw, y), (s1, y))
    ox = m2 + ow / 2
    _arrow(ax, (ox, 70), (ox, 53))
    _arrow(ax, (ox, 45), (ox, 41))
    for y in (49, 32.5):
        _arrow(ax, (m2 + ow, y), (s2, y))
    ax.annotate("", xy=(m1 + mw, 12), xytext=(ox, 24),
                arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 0.9, "connectionstyle": "angle,angleA=90,angleB=0"})
    ax.text(m1, 0.8, "*Counts per database and register; PRISMA 2020 flow diagram (Page et al., BMJ 2021;372:n71).",
            size=7, color="#444444")
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
