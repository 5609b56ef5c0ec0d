"""The dashboard's agreement table and its CSV/XLSX export: bounded kappa, PABAK, indices."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db


def _vote_pairs(records, vote, first, second, pattern, **kwargs):
    """pattern: (first's vote, second's vote) per record."""
    for record, (a, b) in zip(records, pattern, strict=True):
        vote(record, first, a, **kwargs)
        vote(record, second, b, **kwargs)


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def high_agreement(team, make_records, vote):
    # rosa (rev2) is the pair's first reviewer (names in order). Table: 22 both include,
    # 0 rosa-only include, 3 rui-only include, 31 both exclude -> kappa 0.890, Wald upper 1.010.
    pattern = ([("include", "include")] * 22 + [("exclude", "include")] * 3 + [("exclude", "exclude")] * 31)
    _vote_pairs(make_records(56), vote, team.rev2, team.rev1, pattern)


def test_dashboard_caps_the_interval_at_one_and_shows_pabak_and_indices(client_for, team, high_agreement):
    html = client_for(team.lead).get(reverse("review:dashboard", args=[team.review.slug])).content.decode()
    assert "1.010" not in html
    # kappa .890, CI .770 to 1 (truncated, marked), PABAK 2*53/56-1 = .893,
    # PI (22-31)/56 = -.161, BI (0-3)/56 = -.054
    row = html.split("rosa_reviewer & rui_reviewer")[1].split("</tr>")[0]
    assert "0.890" in row and "0.770 to 1.000" in row and "†" in row
    assert "0.893" in row and "-0.161" in row and "-0.054" in row


def test_agreement_csv_carries_the_unrounded_numbers(client_for, team, high_agreement):
    response = client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    (row,) = [r for r in _csv(response) if r["stage"] == "Title and abstract"]
    assert (row["reviewer_a"], row["reviewer_b"], row["records"]) == ("rosa_reviewer", "rui_reviewer", "56")
    assert [row[k] for k in ("both_include", "a_include_b_exclude", "a_exclude_b_include", "both_exclude")] == \
        ["22", "0", "3", "31"]
    assert float(row["kappa"]) == pytest.approx(0.890339, abs=5e-7)
    assert float(row["kappa_ci_low"]) == pytest.approx(0.770347, abs=5e-7)
    assert float(row["kappa_ci_high"]) == 1.0 and row["kappa_ci_truncated"] == "yes"
    assert float(row["pabak"]) == pytest.approx(50 / 56)
    assert float(row["prevalence_index"]) == pytest.approx(-9 / 56)
    assert float(row["bias_index"]) == pytest.approx(-3 / 56)


def test_agreement_xlsx_has_the_same_rows(client_for, team, high_agreement):
    response = client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content))["Agreement"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    row = dict(zip(header, rows[0], strict=True))
    assert row["kappa_ci_high"] == 1 and row["both_exclude"] == 31
    assert row["pabak"] == pytest.approx(50 / 56)


def test_small_full_text_stage(client_for, team, make_records, at_full_text, vote, reasons):
    records = [at_full_text(r) for r in make_records(7)]
    # rosa first: 2 both include, 1 rosa exclude & rui include, 4 both exclude.
    # kappa 16/23 = .696, Wald .170 to 1.222 -> 1; PABAK 2*6/7-1 = .714; PI -2/7 = -.286; BI -1/7 = -.143
    pattern = [("include", "include")] * 2 + [("exclude", "include")] + [("exclude", "exclude")] * 4
    for record, (a, b) in zip(records, pattern, strict=True):
        for reviewer, v in ((team.rev2, a), (team.rev1, b)):
            vote(record, reviewer, v, stage="full_text", exclusion_reason=reasons[0] if v == "exclude" else None)
    html = client_for(team.lead).get(reverse("review:dashboard", args=[team.review.slug])).content.decode()
    full_text = html.split("<h3>Full text</h3>")[1]
    row = full_text.split("rosa_reviewer & rui_reviewer")[1].split("</tr>")[0]
    assert "0.696" in row and "0.170 to 1.000" in row and "1.222" not in html
    assert "0.714" in row and "-0.286" in row and "-0.143" in row
    rows = _csv(client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "csv"])))
    (ft,) = [r for r in rows if r["stage"] == "Full text"]
    assert ft["records"] == "7" and float(ft["kappa_ci_high"]) == 1.0


def test_several_pairs_get_a_pooled_row_without_bias_index(client_for, team, records, vote, make_user):
    from review.services.reviews import member_add

    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    # rosa & rui: include/include, exclude/exclude; rosa & tara: include/exclude, exclude/exclude
    _vote_pairs(records[:2], vote, team.rev2, team.rev1, [("include", "include"), ("exclude", "exclude")])
    _vote_pairs(records[2:], vote, team.rev2, third, [("include", "exclude"), ("exclude", "exclude")])
    rows = _csv(client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "csv"])))
    pooled = next(r for r in rows if r["reviewer_a"] == "All pairs")
    # pooled table: 1 both include, 1 first-only include, 0, 2 both exclude; n = 4
    # PABAK = 2*3/4 - 1 = .5; PI = (1 - 2)/4 = -.25
    assert pooled["records"] == "4" and float(pooled["pabak"]) == pytest.approx(0.5)
    assert float(pooled["prevalence_index"]) == pytest.approx(-0.25) and pooled["bias_index"] == ""
    html = client_for(team.lead).get(reverse("review:dashboard", args=[team.review.slug])).content.decode()
    assert '<th scope="row">All pairs</th>' in html


def test_agreement_counts_settled_records_only(client_for, team, records, vote):
    team.review.ta_reviewers_per_record = 3
    team.review.save()
    # Two of three votes in: the record still waits, so no pair table shows it.
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "exclude")
    rows = _csv(client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "csv"])))
    assert rows == []


def test_agreement_export_roles_and_formats(client_for, team):
    url = reverse("review:export_agreement", args=[team.review.slug, "csv"])
    assert client_for(team.rev1).get(url).status_code == 403
    assert client_for(team.outsider).get(url).status_code == 404
    assert client_for(team.arbiter).get(url).status_code == 200
    assert client_for(team.lead).post(url).status_code == 405
    assert client_for(team.lead).get(
        reverse("review:export_agreement", args=[team.review.slug, "ods"])).status_code == 404


def test_a_username_that_looks_like_a_formula_is_neutralised(client_for, team, records, vote, make_user):
    # Django usernames may start with "@", "+" or "-": the only text of this export people type.
    from review.services.reviews import member_add

    risky = make_user("@SUM_reviewer")
    member_add(review=team.review, user=risky, roles=["reviewer"], actor=team.lead)
    _vote_pairs(records[:2], vote, risky, team.rev1, [("include", "include"), ("exclude", "include")])
    rows = _csv(client_for(team.lead).get(reverse("review:export_agreement", args=[team.review.slug, "csv"])))
    assert rows[0]["reviewer_a"] == "'@SUM_reviewer"
    sheet = load_workbook(io.BytesIO(client_for(team.lead).get(
        reverse("review:export_agreement", args=[team.review.slug, "xlsx"])).content))["Agreement"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells) and any(c.value == "'@SUM_reviewer" for c in cells)
