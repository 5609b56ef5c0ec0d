"""PRISMA 2020 counts from a small review with every path through the flow, and its exports."""

import csv
import io
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from review.models import Conflict
from review.prisma import DBR, OTHER, prisma_counts
from review.prisma_export import CSV_HEADER, render, to_csv
from review.screening import services as svc
from review.services.sources import source_create

pytestmark = pytest.mark.django_db
TA, FT = "title_abstract", "full_text"


@pytest.fixture
def flow(team, source, make_records, vote, reasons):
    """PubMed 6, Embase 3 (one merged into PubMed), citation searching 2; see each comment."""
    embase = source_create(review=team.review, actor=team.lead, name="Embase", kind="database")
    citations = source_create(review=team.review, actor=team.lead, name="Citation searching",
                              kind="citation_searching")
    r = make_records(6)
    e = make_records(3, source_obj=embase)
    c = make_records(2, source_obj=citations)
    e[0].duplicate_of = r[0]
    e[0].save()
    a, b = reasons[0], reasons[4]

    def ta(record, v1, v2):
        vote(record, team.rev1, v1)
        vote(record, team.rev2, v2)

    def ft(record, v1, v2, r1=None, r2=None):
        svc.fulltext_attach(record=record, actor=team.lead, url="https://doi.org/10.1/x")
        vote(record, team.rev1, v1, stage=FT, exclusion_reason=r1)
        vote(record, team.rev2, v2, stage=FT, exclusion_reason=r2)

    ta(r[0], "include", "include"); ft(r[0], "include", "include")  # noqa: E702  included
    ta(r[1], "include", "maybe"); ft(r[1], "exclude", "exclude", a, a)  # noqa: E702  excluded, reason a
    ta(r[2], "exclude", "exclude")  # excluded at title/abstract
    ta(r[3], "include", "exclude")  # conflict, the arbiter excludes
    svc.conflict_resolve(conflict=Conflict.objects.get(record=r[3]), arbiter=team.arbiter, outcome="exclude")
    ta(r[4], "include", "include")  # not retrieved
    svc.fulltext_mark_not_retrieved(record=r[4], actor=team.lead, reason="no access")
    # r[5]: nobody has voted yet
    ta(e[1], "include", "include"); ft(e[1], "exclude", "exclude", a, b)  # noqa: E702  reasons differ
    svc.conflict_resolve(conflict=Conflict.objects.get(record=e[1], stage=FT), arbiter=team.arbiter,
                         outcome="exclude", exclusion_reason=b)
    ta(e[2], "include", "include"); ft(e[2], "include", "include")  # noqa: E702  included
    ta(c[0], "include", "include"); ft(c[0], "include", "include")  # noqa: E702  included
    ta(c[1], "exclude", "exclude")
    study = svc.study_link(record=r[0], actor=team.lead, label="Lim 2020", expected_version=None)
    svc.study_link(record=e[2], actor=team.lead, study=study, expected_version=None)  # a second report of the same study
    return type("Flow", (), {"a": a, "b": b})


def test_counts_follow_every_record_through_the_flow(team, flow):
    counts = prisma_counts(team.review)
    dbr, other = counts.columns[DBR], counts.columns[OTHER]
    assert counts.databases == {"Embase": 3, "PubMed": 6} and counts.citations == 2
    assert dbr.duplicates == 1
    assert (dbr.screened, dbr.awaiting_screening, dbr.records_excluded) == (7, 1, 2)
    assert (dbr.sought, dbr.not_retrieved, dbr.assessed) == (5, 1, 4)
    assert dbr.excluded_reasons == {flow.a.label: 1, flow.b.label: 1}
    assert (other.screened, other.records_excluded, other.sought, other.assessed) == (2, 1, 1, 1)
    # Lim 2020 has two reports; the citation-found report stands alone until linked.
    assert (counts.studies_included, counts.reports_included) == (2, 3)


def test_csv_uses_the_prisma2020_template_fields(team, flow):
    rows = list(csv.DictReader(io.StringIO(to_csv(prisma_counts(team.review)))))
    assert list(rows[0].keys()) == CSV_HEADER
    n = {row["data"]: row["n"] for row in rows if row["data"] != "NA"}
    assert n["database_results"] == "9" and n["database_specific_results"] == "Embase, 3; PubMed, 6"
    assert n["citations_results"] == "2" and n["duplicates"] == "1"
    assert n["records_screened"] == "7" and n["records_excluded"] == "2"
    assert n["dbr_sought_reports"] == "5" and n["dbr_notretrieved_reports"] == "1" and n["dbr_assessed"] == "4"
    assert n["dbr_excluded"] == f"{flow.a.label}, 1; {flow.b.label}, 1"
    assert n["other_sought_reports"] == "1" and n["other_assessed"] == "1"
    assert n["new_studies"] == "2" and n["new_reports"] == "3" and n["total_studies"] == "2"
    for name in ("identification", "screening", "included", "previous_studies", "website_results"):
        assert name in n


# How the PRISMA2020 R package (and its Shiny app) reads the CSV, in PRISMA_data(): each
# field is the "n" of the rows whose first column matches a regular expression (grep); the
# title boxes are found by the third column; numbers lose every character but digits and
# dots; "Name, n; Name, n" fields split on "; " and on the first comma.
PRISMA2020_NUMBERS = [
    "previous_studies", "previous_reports", "register_results", "database_results", "website_results",
    "organisation_results", "citations_results", "duplicates", "excluded_automatic", "excluded_other",
    "records_screened", "records_excluded", "dbr_sought_reports", "dbr_notretrieved_reports",
    "other_sought_reports", "other_notretrieved_reports", "dbr_assessed", "other_assessed", "new_studies",
    "new_reports", "total_studies$", "total_reports$",
]
PRISMA2020_PAIRS = ["database_specific_results", "register_specific_results", "dbr_excluded", "other_excluded"]
PRISMA2020_LABELS = ["identification", "screening", "included"]


def _prisma2020_read(text: str) -> dict:
    rows = list(csv.reader(io.StringIO(text)))
    header, rows = rows[0], rows[1:]
    n = header.index("n")

    def grep(pattern, column=0):
        hits = [row for row in rows if re.search(pattern, row[column])]
        assert len(hits) == 1, f"{pattern!r} matches {len(hits)} rows"
        return hits[0]

    def number(value):
        digits = re.sub(r"[^0-9.]", "", value.replace(",", ""))
        return float(digits) if digits else None

    def pairs(value):
        if not re.search(r"[^0-9,]", value):
            return {"": number(value)}
        parts = re.split(r";( )?", value)
        parts = [part for part in parts if part not in (None, " ")]
        return {re.sub(r",.*$", "", part): number(re.sub(r"^.*?,([ 0-9,]*)$|^.*$", r"\1", part)) for part in parts}

    for box in ("prevstud", "newstud", "othstud"):
        grep(box, column=2)
    for label in PRISMA2020_LABELS:
        grep(label)
    values = {name.rstrip("$"): number(grep(name)[n]) for name in PRISMA2020_NUMBERS}
    values.update({name: pairs(grep(name)[n]) for name in PRISMA2020_PAIRS})
    return values


def test_csv_reads_back_as_the_prisma2020_package_reads_it(team, flow):
    flow.a.label = "Wrong population, adults; or children"
    flow.a.save()
    counts = prisma_counts(team.review)
    values = _prisma2020_read(to_csv(counts))
    assert values["database_specific_results"] == {"Embase": 3, "PubMed": 6}
    assert values["register_specific_results"] == {"": 0}
    assert values["dbr_excluded"] == {"Wrong population  adults  or children": 1, flow.b.label: 1}
    assert (values["database_results"], values["citations_results"], values["duplicates"]) == (9, 2, 1)
    assert (values["records_screened"], values["records_excluded"]) == (7, 2)
    assert (values["dbr_sought_reports"], values["dbr_notretrieved_reports"], values["dbr_assessed"]) == (5, 1, 4)
    assert (values["other_sought_reports"], values["other_assessed"]) == (1, 1)
    assert (values["new_studies"], values["new_reports"], values["total_studies"], values["total_reports"]) == (2, 3, 2, 3)


def test_prisma_command_writes_every_format(team, flow, tmp_path):
    out = io.StringIO()
    call_command("prisma", team.review.slug, "--format", "json", stdout=out)
    assert json.loads(out.getvalue())["records_screened"] == 7
    for fmt, magic in (("svg", b"<?xml"), ("png", b"\x89PNG"), ("pdf", b"%PDF"), ("csv", b"data,node")):
        target = tmp_path / f"prisma.{fmt}"
        call_command("prisma", team.review.slug, "--format", fmt, "-o", str(target), stdout=io.StringIO())
        assert target.read_bytes().startswith(magic)
    svg = render(prisma_counts(team.review), "svg").decode()
    # Text stays text in the SVG: crisp at any size and searchable.
    assert "Records screened" in svg and "Reports excluded (n = 2)" in svg


def test_prisma_page_shows_the_counts_to_every_member(client_for, team, flow):
    html = client_for(team.rev1).get(reverse("review:prisma", args=[team.review.slug])).content.decode()
    assert 'data-count="screened">7<' in html and 'data-count="studies">2<' in html
    svg = client_for(team.rev1).get(reverse("review:prisma_download", args=[team.review.slug, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
