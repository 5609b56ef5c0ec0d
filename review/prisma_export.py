"""PRISMA 2020 counts as JSON, as the PRISMA2020 R package / Shiny app CSV, and as a diagram
(drawn by review.prisma_diagram)."""

from __future__ import annotations

import json

from concord import spreadsheets
from review import prisma_diagram
from review.models.reviews import SourceKind
from review.prisma import OTHER_KINDS, PrismaCounts

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


# PRISMA2020 has three lines for other methods (websites, organisations, citation searching)
# and draws each under the label its row's "boxtext" gives. A kind the review uses goes on
# its own line; "other", which has none, takes the first line no source of the review needs,
# under its own label, and only when all three are taken shares the organisations line.
_SLOTS = {
    "website_results": SourceKind.WEBSITE,
    "organisation_results": SourceKind.ORGANISATION,
    "citations_results": SourceKind.CITATION,
}


def other_slots(counts: PrismaCounts) -> dict[str, tuple[str, int]]:
    """The PRISMA2020 CSV's three other-methods lines: data name -> (label, n)."""
    slots = {data: (OTHER_KINDS[kind], counts.kind_total(kind)) for data, kind in _SLOTS.items()}
    if SourceKind.OTHER not in counts.other_sources:
        return slots
    free = [data for data, kind in _SLOTS.items() if kind not in counts.other_sources]
    label, n = OTHER_KINDS[SourceKind.OTHER], counts.others
    if free:
        slots[free[0]] = (label, n)
    else:
        shared_label, shared_n = slots["organisation_results"]
        slots["organisation_results"] = (f"{shared_label} and {label.lower()}", shared_n + n)
    return slots


def csv_values(counts: PrismaCounts) -> dict[str, object]:
    data = counts.as_dict()
    ident = data["identification"]
    values = {
        "previous_studies": 0, "previous_reports": 0,
        "database_results": ident["database_results"], "database_specific_results": _pairs(counts.databases),
        "register_results": ident["register_results"], "register_specific_results": _pairs(counts.registers),
        # The databases column's boxes only: PRISMA 2020 has no box for what other-methods
        # records lose before retrieval, so those counts stay out rather than inflate these.
        "duplicates": data["duplicates"],
        "excluded_automatic": data["excluded_automatic"], "excluded_other": data["excluded_other"],
        "records_screened": data["records_screened"], "records_excluded": data["records_excluded"],
        "dbr_sought_reports": data["dbr_sought_reports"], "dbr_notretrieved_reports": data["dbr_notretrieved_reports"],
        "other_sought_reports": data["other_sought_reports"],
        "other_notretrieved_reports": data["other_notretrieved_reports"],
        "dbr_assessed": data["dbr_assessed"], "dbr_excluded": _pairs(data["dbr_excluded"]),
        "other_assessed": data["other_assessed"], "other_excluded": _pairs(data["other_excluded"]),
        "new_studies": data["new_studies"], "new_reports": data["new_reports"],
        "total_studies": data["total_studies"], "total_reports": data["total_reports"],
    }
    values.update({name: n for name, (_, n) in other_slots(counts).items()})
    return values


def to_csv(counts: PrismaCounts) -> str:
    values = csv_values(counts)
    labels = {name: label for name, (label, _) in other_slots(counts).items()}
    rows = []
    for data, node, box, description, boxtext in _TEMPLATE:
        n = values.get(data, 0)
        boxtext = labels.get(data, boxtext)
        if data in labels:
            description = f"Records identified from: {boxtext}"
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
        return prisma_diagram.diagram(counts, fmt)
    raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
