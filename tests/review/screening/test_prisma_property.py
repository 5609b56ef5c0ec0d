"""A property of PRISMA 2020 in Concord: whatever the review, every column adds up by itself, and
the page, the JSON, the PRISMA2020 CSV, the SVG, the PNG and the PDF carry the same numbers.

Each example builds a review through the real services: sources of every kind, imports whose
files repeat a paper (a duplicate within the source) or repeat another source's paper (across
sources), two reviewers' votes, conflicts left open or settled by the arbiter, full texts attached
or declared unretrievable, exclusions with reasons, and records left to automation. The counts
the plan implies are worked out here, independently of review.prisma, and every format is read
back and compared with them.
"""

import csv
import html
import io
import json
import re
from collections import Counter

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from review import prisma_diagram
from review.models import Conflict, Record, RecordStage
from review.models.reviews import SourceKind
from review.models.screening import Stage, StageStatus
from review.prisma import DBR, OTHER, OTHER_KINDS, column_of, prisma_counts
from review.prisma_export import other_slots, render
from review.screening import services as svc
from review.services.imports import import_records
from review.services.sources import source_create
from tests.review.screening.test_prisma import _prisma2020_read

pytestmark = pytest.mark.django_db
TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT

TITLES = [
    "Intravenous immunoglobulin for refractory dermatomyositis",
    "Subcutaneous immunoglobulin maintenance in adult polymyositis",
    "Necrotising autoimmune myopathy treated with plasma exchange",
    "Juvenile myositis outcomes after rituximab rescue",
    "Creatine kinase trajectories during steroid tapering",
    "Dysphagia response to high-dose immune globulin infusions",
    "Interstitial lung disease in antisynthetase syndrome cohorts",
    "Manual muscle testing reliability across rheumatology clinics",
    "Cost of home-based immunoglobulin infusion programmes",
    "Anti-HMGCR antibodies and statin exposure in Japan",
]

# What happens to the kept copy of each paper, and the boxes it ends in.
FATES = [
    "unscreened", "ta_conflict_open", "automation", "ta_exclude", "ta_conflict_excluded",
    "ft_awaiting_text", "ft_text_attached", "not_retrieved", "ft_include", "ft_conflict_included",
    "ft_exclude", "ft_conflict_open", "ft_reasons_settled",
]


def ris(papers: list[int]) -> bytes:
    return "\n".join(
        f"TY  - JOUR\nAU  - Author{i}, A.\nTI  - {TITLES[i]}\nT2  - Journal {i}\nPY  - {2000 + i}\n"
        f"DO  - 10.1000/paper{i}\nER  - \n"
        for i in papers
    ).encode()


@st.composite
def plans(draw):
    papers = draw(st.integers(min_value=1, max_value=8))
    kinds = draw(st.lists(st.sampled_from([k.value for k in SourceKind]), min_size=1, max_size=5))
    # Each source's file: the papers it lists, a paper twice being a duplicate within the file.
    files = [draw(st.lists(st.integers(0, papers - 1), max_size=5)) for _ in kinds]
    fates = draw(st.lists(st.sampled_from(FATES), min_size=papers, max_size=papers))
    if "automation" in fates:
        # Records reach automation through the lead's stop, which needs a ranked queue, which
        # needs a settled include and exclude: two more papers, in the first file, give them.
        fates += ["ta_exclude", "ft_include"]
        files[0] = [*files[0], papers, papers + 1]
        papers += 2
    reasons = draw(st.lists(st.integers(0, 5), min_size=papers, max_size=papers))
    return {"kinds": kinds, "files": files, "fates": fates, "reasons": reasons,
            "one_study": draw(st.booleans())}


def _vote(team, record, stage, v1, v2, r1=None, r2=None):
    svc.decision_record(review=team.review, record=record, stage=stage, reviewer=team.rev1, vote=v1,
                        exclusion_reason=r1)
    svc.decision_record(review=team.review, record=record, stage=stage, reviewer=team.rev2, vote=v2,
                        exclusion_reason=r2)


def _stops(plan) -> bool:
    """Whether the lead stops screening: a kept paper is meant for automation."""
    kept = {paper for papers in plan["files"] for paper in papers}
    return any(plan["fates"][paper] == "automation" for paper in kept)


def _stop(team):
    # The real stop of prioritised screening, after a ranking: every kept record still awaiting
    # title/abstract votes (the "unscreened" ones too) is marked ineligible by automation.
    from review.screening.retraining import ranking_retrain
    from review.screening.stop import screening_stop

    assert ranking_retrain(review=team.review)
    screening_stop(review=team.review, actor=team.lead, screened_seen=None)


def _settle(team, record, fate, reason_a, reason_b):
    if fate in ("unscreened", "automation"):
        return  # automation: left for the stop, once every other record is settled
    if fate == "ta_exclude":
        _vote(team, record, TA, "exclude", "exclude")
        return
    if fate in ("ta_conflict_open", "ta_conflict_excluded"):
        _vote(team, record, TA, "include", "exclude")
        if fate == "ta_conflict_excluded":
            svc.conflict_resolve(conflict=Conflict.objects.get(record=record, stage=TA), arbiter=team.arbiter,
                                 outcome="exclude")
        return
    _vote(team, record, TA, "include", "maybe")
    if fate == "ft_awaiting_text":
        return
    if fate == "not_retrieved":
        svc.fulltext_mark_not_retrieved(record=record, actor=team.lead, reason="no library holds it")
        return
    svc.fulltext_attach(record=record, actor=team.lead, url=f"https://doi.org/{record.doi}")
    if fate == "ft_include":
        _vote(team, record, FT, "include", "include")
    elif fate == "ft_exclude":
        _vote(team, record, FT, "exclude", "exclude", reason_a, reason_a)
    elif fate == "ft_conflict_open":
        _vote(team, record, FT, "include", "exclude", None, reason_a)
    elif fate == "ft_conflict_included":
        _vote(team, record, FT, "include", "exclude", None, reason_a)
        svc.conflict_resolve(conflict=Conflict.objects.get(record=record, stage=FT), arbiter=team.arbiter,
                             outcome="include")
    elif fate == "ft_reasons_settled":
        _vote(team, record, FT, "exclude", "exclude", reason_a, reason_b)
        svc.conflict_resolve(conflict=Conflict.objects.get(record=record, stage=FT), arbiter=team.arbiter,
                             outcome="exclude", exclusion_reason=reason_b)


def _expected(plan, sources, reasons):
    """The boxes the plan implies, worked out from the plan alone."""
    boxes = {col: Counter() for col in (DBR, OTHER)}
    excluded = {col: Counter() for col in (DBR, OTHER)}
    kept_column = {}
    for source, papers in zip(sources, plan["files"], strict=True):
        col = column_of(source.kind)
        for paper in papers:
            boxes[col]["identified"] += 1
            if paper in kept_column:
                boxes[col]["duplicates"] += 1
            else:
                kept_column[paper] = col
    for paper, col in kept_column.items():
        fate, box = plan["fates"][paper], boxes[col]
        if fate == "unscreened" and _stops(plan):
            box["automation"] += 1  # the stop takes every record still awaiting votes
        elif fate in ("unscreened", "ta_conflict_open"):
            box["awaiting_screening"] += 1
        elif fate == "automation":
            box["automation"] += 1
        elif fate in ("ta_exclude", "ta_conflict_excluded"):
            box["screened"] += 1
            box["records_excluded"] += 1
        else:
            box["screened"] += 1
            box["sought"] += 1
            if fate == "not_retrieved":
                box["not_retrieved"] += 1
                continue
            box["assessed"] += 1
            if fate in ("ft_include", "ft_conflict_included"):
                box["included_reports"] += 1
            elif fate == "ft_exclude":
                excluded[col][reasons[plan["reasons"][paper]].label] += 1
            elif fate == "ft_reasons_settled":
                excluded[col][reasons[plan["reasons"][paper] + 1].label] += 1
            else:
                box["awaiting_assessment"] += 1
    return boxes, excluded, kept_column


def _build(team, plan):
    reasons = list(team.review.exclusion_reasons.order_by("position"))
    sources = [
        source_create(review=team.review, actor=team.lead, name=f"Source {i} ({kind})", kind=kind)
        for i, kind in enumerate(plan["kinds"])
    ]
    for i, (source, papers) in enumerate(zip(sources, plan["files"], strict=True)):
        if papers:
            import_records(review=team.review, source=source, filename=f"search{i}.ris", data=ris(papers),
                           actor=team.lead)
    kept = {int(r.doi.rsplit("paper", 1)[1]): r for r in Record.objects.filter(review=team.review,
                                                                             duplicate_of__isnull=True)}
    for paper, record in sorted(kept.items()):
        _settle(team, record, plan["fates"][paper], reasons[plan["reasons"][paper]],
                reasons[plan["reasons"][paper] + 1])
    if _stops(plan):
        _stop(team)
    included = list(Record.objects.filter(pk__in=RecordStage.objects.filter(
        review=team.review, stage=FT, status=StageStatus.INCLUDED).values("record")).order_by("pk"))
    if plan["one_study"] and len(included) >= 2:
        study = svc.study_link(record=included[0], actor=team.lead, label="Lim 2020", expected_version=None)
        svc.study_link(record=included[1], actor=team.lead, study=study, expected_version=None)
    return sources, reasons, kept, included


# Reading each format back ------------------------------------------------------------------

def svg_items(svg: bytes) -> dict[str, str]:
    """The text of every named item of the diagram (its lines joined), by the item's id."""
    items = {}
    for gid, body in re.findall(r'<g id="([a-z][\w-]*)">\s*((?:<text[^>]*>.*?</text>\s*)+)</g>', svg.decode(), re.S):
        if re.fullmatch(r"text_[0-9]+", gid):
            continue  # matplotlib's own name for a text the diagram does not name
        lines = [html.unescape(line) for line in re.findall(r"<text[^>]*>(.*?)</text>", body, re.S)]
        items[gid] = " ".join(" ".join(lines).split())
    return items


def number(text: str) -> int:
    return int(re.fullmatch(r".*\(n = ([0-9,]+)\):?", text).group(1).replace(",", ""))


def label_of(text: str) -> str:
    return re.fullmatch(r"(.*) \(n = [0-9,]+\):?", text).group(1)


def column_from_items(items: dict[str, str], prefix: str) -> dict:
    def n(name):
        return number(items[f"{prefix}-{name}"]) if f"{prefix}-{name}" in items else 0

    reasons = {label_of(text): number(text) for gid, text in items.items()
               if gid.startswith(f"{prefix}-reason-")}
    kinds = ("databases", "registers") if prefix == "dbr" else tuple(OTHER_KINDS)
    return {
        "identified": sum(n(f"identified-{kind}") for kind in kinds),
        "per_source": sum(number(text) for gid, text in items.items() if gid.startswith(f"{prefix}-source-")),
        "duplicates": n("duplicates"), "automation": n("automation"), "removed_other": n("removed-other"),
        "screened": n("screened"), "awaiting_screening": n("awaiting-screening"),
        "records_excluded": n("records-excluded"), "sought": n("sought"), "not_retrieved": n("not-retrieved"),
        "assessed": n("assessed"), "reports_excluded": n("reports-excluded"), "reasons": reasons,
        "awaiting_assessment": n("awaiting-assessment"), "included_reports": n("included-reports"),
    }


def assert_column_adds_up(c: dict, where: str) -> None:
    assert c["identified"] - c["duplicates"] - c["automation"] - c["removed_other"] == (
        c["screened"] + c["awaiting_screening"]), where
    assert c["screened"] - c["records_excluded"] == c["sought"], where
    assert c["sought"] - c["not_retrieved"] == c["assessed"], where
    assert c["assessed"] - c["reports_excluded"] == c["included_reports"] + c["awaiting_assessment"], where
    assert sum(c["reasons"].values()) == c["reports_excluded"], where
    assert min(v for k, v in c.items() if isinstance(v, int)) >= 0, where


def json_column(data: dict, col: str) -> dict:
    ident = data["identification"]
    if col == DBR:
        return {
            "identified": ident["database_results"] + ident["register_results"],
            "duplicates": data["duplicates"], "automation": data["excluded_automatic"],
            "removed_other": data["excluded_other"], "screened": data["records_screened"],
            "awaiting_screening": data["records_awaiting_screening"], "records_excluded": data["records_excluded"],
            "sought": data["dbr_sought_reports"], "not_retrieved": data["dbr_notretrieved_reports"],
            "assessed": data["dbr_assessed"], "reasons": data["dbr_excluded"],
            "reports_excluded": sum(data["dbr_excluded"].values()),
            "included_reports": data["dbr_included_reports"], "awaiting_assessment": data["dbr_awaiting_assessment"],
        }
    return {
        "identified": sum(ident[k] for k in ("website_results", "organisation_results", "citations_results",
                                             "other_results")),
        "duplicates": data["other_duplicates"], "automation": data["other_excluded_automatic"],
        "removed_other": data["other_excluded_other"], "screened": data["other_records_screened"],
        "awaiting_screening": data["other_records_awaiting_screening"],
        "records_excluded": data["other_records_excluded"],
        "sought": data["other_sought_reports"], "not_retrieved": data["other_notretrieved_reports"],
        "assessed": data["other_assessed"], "reasons": data["other_excluded"],
        "reports_excluded": sum(data["other_excluded"].values()),
        "included_reports": data["other_included_reports"], "awaiting_assessment": data["other_awaiting_assessment"],
    }


def _pairs(parsed: dict) -> dict:
    return {} if parsed == {"": 0} else {label: int(n) for label, n in parsed.items()}


def _csv_label(label: str) -> str:
    return label.replace(",", " ").replace(";", " ")


def check_csv(text: str, data: dict, counts) -> None:
    values = _prisma2020_read(text)
    dbr, other = json_column(data, DBR), json_column(data, OTHER)
    # The databases column: every PRISMA2020 field, and the arithmetic the fields allow.
    assert values["database_results"] + values["register_results"] == dbr["identified"]
    assert (values["duplicates"], values["excluded_automatic"], values["excluded_other"]) == (
        dbr["duplicates"], dbr["automation"], dbr["removed_other"])
    assert (values["records_screened"], values["records_excluded"]) == (dbr["screened"], dbr["records_excluded"])
    assert (values["dbr_sought_reports"], values["dbr_notretrieved_reports"], values["dbr_assessed"]) == (
        dbr["sought"], dbr["not_retrieved"], dbr["assessed"])
    assert _pairs(values["dbr_excluded"]) == {_csv_label(k): v for k, v in dbr["reasons"].items()}
    assert _pairs(values["database_specific_results"]) == {_csv_label(k): v for k, v in counts.databases.items()}
    assert _pairs(values["register_specific_results"]) == {_csv_label(k): v for k, v in counts.registers.items()}
    removed = values["duplicates"] + values["excluded_automatic"] + values["excluded_other"]
    assert values["database_results"] + values["register_results"] - removed >= values["records_screened"]
    assert values["records_screened"] - values["records_excluded"] == values["dbr_sought_reports"]
    assert values["dbr_sought_reports"] - values["dbr_notretrieved_reports"] == values["dbr_assessed"]
    # The other-methods column: its three lines hold every other-methods record, each line
    # labelled with the kind it holds.
    assert values["website_results"] + values["organisation_results"] + values["citations_results"] == (
        other["identified"])
    assert (values["other_sought_reports"], values["other_notretrieved_reports"], values["other_assessed"]) == (
        other["sought"], other["not_retrieved"], other["assessed"])
    assert values["other_sought_reports"] - values["other_notretrieved_reports"] == values["other_assessed"]
    assert _pairs(values["other_excluded"]) == {_csv_label(k): v for k, v in other["reasons"].items()}
    boxtext = {row["data"]: row["boxtext"] for row in csv.DictReader(io.StringIO(text))}
    for name, (label, n) in other_slots(counts).items():
        assert boxtext[name] == label and values[name] == n
    shown = " ".join(boxtext[name] for name in ("website_results", "organisation_results", "citations_results"))
    for kind in counts.other_sources:
        assert OTHER_KINDS[kind].lower() in shown.lower(), kind
    assert (values["new_studies"], values["new_reports"], values["total_studies"], values["total_reports"]) == (
        data["new_studies"], data["new_reports"], data["total_studies"], data["total_reports"])


def check_page(html_text: str, dbr: dict, other: dict, data: dict) -> None:
    def cell(key):
        found = re.search(rf'data-count="{key}">([0-9]*)<', html_text)
        return int(found.group(1)) if found and found.group(1) else 0

    keys = {"identified": "identified", "duplicates": "duplicates", "automation": "automation",
            "removed_other": "removed_other", "screened": "screened", "awaiting_screening": "awaiting",
            "records_excluded": "records_excluded", "sought": "sought", "not_retrieved": "not_retrieved",
            "assessed": "assessed", "reports_excluded": "reports_excluded",
            "awaiting_assessment": "awaiting_assessment", "included_reports": "included_reports"}
    for name, key in keys.items():
        assert cell(key) == dbr[name], name
        assert cell(f"other_{key}") == other[name], name
    assert (cell("studies"), cell("reports")) == (data["total_studies"], data["total_reports"])


@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(plan=plans())
def test_every_column_adds_up_in_every_format(team, client_for, plan):
    with transaction.atomic():
        check_plan(team, client_for, plan)
        transaction.set_rollback(True)


ISSUE_REVIEW = {
    # Four databases and one "other methods" source whose file lists a paper twice (issue 12).
    "kinds": ["database", "database", "database", "database", "other"],
    "files": [[0, 1, 2], [1, 3], [4, 0], [5], [6, 7, 7]],
    "fates": ["ft_include", "ft_exclude", "ta_exclude", "not_retrieved", "ft_reasons_settled", "automation",
              "ft_conflict_included", "ta_conflict_open"],
    "reasons": [0, 5, 1, 2, 4, 0, 3, 0],
    "one_study": True,
}


def test_the_issue_review_adds_up_in_every_format(team, client_for):
    check_plan(team, client_for, ISSUE_REVIEW)


def check_plan(team, client_for, plan):
    sources, reasons, kept, included = _build(team, plan)
    boxes, excluded, kept_column = _expected(plan, sources, reasons)
    # The services merged what the plan repeats, keeping the copy imported first.
    assert {paper: column_of(record.source.kind) for paper, record in kept.items()} == kept_column
    counts = prisma_counts(team.review)
    for col in (DBR, OTHER):
        column = counts.columns[col]
        for name in ("identified_total", "duplicates", "automation", "screened", "awaiting_screening",
                     "records_excluded", "sought", "not_retrieved", "assessed", "included_reports",
                     "awaiting_assessment"):
            key = "identified" if name == "identified_total" else name
            assert getattr(column, name) == boxes[col][key], (col, name)
        assert column.excluded_reasons == dict(excluded[col]), col
    studies = len(included) - 1 if plan["one_study"] and len(included) >= 2 else len(included)
    assert (counts.studies_included, counts.reports_included) == (studies, len(included))

    data = json.loads(render(counts, "json"))
    dbr, other = json_column(data, DBR), json_column(data, OTHER)
    for col, parsed in ((DBR, dbr), (OTHER, other)):
        assert_column_adds_up(parsed, f"json {col}")
        assert parsed["identified"] == boxes[col]["identified"]
    assert dbr["included_reports"] + other["included_reports"] == data["total_reports"] == len(included)

    check_csv(render(counts, "csv").decode(), data, counts)

    drawn_from = []
    svg_body = render_spied(counts, "svg", drawn_from)
    svg = svg_items(svg_body)
    for col, prefix, parsed in ((DBR, "dbr", dbr), (OTHER, "other", other)):
        drawn = column_from_items(svg, prefix)
        assert drawn["per_source"] == drawn["identified"]
        # The screening boxes of other methods (not PRISMA's) are drawn when it has records.
        assert (f"{prefix}-screened" in svg) == (col == DBR or parsed["identified"] > 0)
        assert_column_adds_up(drawn, f"svg {col}")
        assert {k: v for k, v in drawn.items() if k != "per_source"} == {
            k: ({_normal(r): n for r, n in v.items()} if k == "reasons" else v) for k, v in parsed.items()}
    assert (number(svg["studies-included"]), number(svg["reports-included"])) == (
        data["total_studies"], data["total_reports"])
    for kind, per_source in counts.other_sources.items():
        assert label_of(svg[f"other-identified-{kind}"]) == OTHER_KINDS[kind]
        assert number(svg[f"other-identified-{kind}"]) == sum(per_source.values())
    if data["other_duplicates"]:
        assert "Duplicates found within other-methods sources stay in this column" in " ".join(
            html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg_body.decode()))

    # The PNG and the PDF render, and are saved from a figure that shows the SVG's numbers.
    for fmt, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        assert render_spied(counts, fmt, drawn_from).startswith(magic)
    assert [items for items, _ in drawn_from] == [svg] * 3
    assert [fmt for _, fmt in drawn_from] == ["svg", "png", "pdf"]

    page = client_for(team.rev1).get(reverse("review:prisma", args=[team.review.slug])).content.decode()
    check_page(page, dbr, other, data)


def render_spied(counts, fmt: str, drawn_from: list) -> bytes:
    """Render through the real exporter, noting the named items of the figure each file is saved from."""
    real = prisma_diagram.save

    def save(fig, fmt):
        drawn_from.append(({text.get_gid(): " ".join(text.get_text().split())
                            for text in fig.axes[0].texts if text.get_gid()}, fmt))
        return real(fig, fmt)

    prisma_diagram.save = save
    try:
        return render(counts, fmt)
    finally:
        prisma_diagram.save = real


def _normal(label: str) -> str:
    return " ".join(label.split())


def test_reading_an_svg_item_back_keeps_labels_with_brackets():
    assert label_of("Not primary research (review, editorial, letter) (n = 1,204)") == (
        "Not primary research (review, editorial, letter)")
    assert number("Not primary research (review, editorial, letter) (n = 1,204)") == 1204


def test_expected_boxes_follow_duplicates_across_and_within_sources():
    plan = {"kinds": ["database", "other", "citation_searching"], "files": [[0, 1], [1, 2, 2], [0]],
            "fates": ["unscreened"] * 3, "reasons": [0] * 3, "one_study": False}
    sources = [type("S", (), {"kind": kind}) for kind in plan["kinds"]]
    boxes, _, kept = _expected(plan, sources, reasons=[])
    assert kept == {0: DBR, 1: DBR, 2: OTHER}
    assert (boxes[DBR]["identified"], boxes[DBR]["duplicates"]) == (2, 0)
    assert (boxes[OTHER]["identified"], boxes[OTHER]["duplicates"]) == (4, 3)
