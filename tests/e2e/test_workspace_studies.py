"""Studies in the browser, on a phone and a laptop: the form builder edits and moves fields
without losing work, reconciliation puts discrepancies first and marks what differs, agreed
studies lock in one action, the design reads "Not chosen" until saved, and included reports
are studies of their own named "First-author Year", with one-click grouping."""

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.workspace import assert_fits, assert_on_screen, nav, people, size  # noqa: F401  (fixtures)
from tests.extraction.conftest import SCHEMA, VALUES, fill, form  # noqa: F401  (fixtures)


def _study(team, label):
    from extraction.services.assignments import assignment_set
    from review.models import Study

    study = Study.objects.create(review=team.review, label=label, created_by=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    return study


def _keys(page, region: str) -> list[str]:
    return page.get_by_role("region", name=region).locator("tbody tr td:first-child code").all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_the_form_builder_edits_and_moves_fields_in_a_new_version_losing_nothing(people, live_server, team, form, fill):  # noqa: F811
    from extraction.models import Extraction, FormVersion

    started = fill(_study(team, "Lim 2020"), team.rev1, VALUES, submit=False)
    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/")
    page.get_by_role("link", name="Form builder").click()
    page.get_by_role("heading", name="Extraction form").wait_for()
    assert page.get_by_text("Extraction has started on this version: your next change makes version 2").is_visible()
    explanation = page.locator("p", has_text="names its data in every extraction")
    assert_on_screen(explanation)
    assert "lower-case letters, digits and underscores" in explanation.inner_text()
    assert "events@IVIg@12 weeks" in explanation.inner_text()
    assert_fits(page)

    page.locator("summary", has_text="Edit country").click()
    page.locator("#edit-label-country").fill("Country of recruitment")
    page.get_by_role("button", name="Save country").click()
    page.get_by_text("Form saved as version 2.").wait_for()
    assert page.locator("tr", has=page.locator("code", has_text="country")).locator("td").nth(1).inner_text() == \
        "Country of recruitment"

    assert _keys(page, "Fields of Study") == ["country", "design", "dose"]
    move = page.get_by_role("button", name="Move dose up")
    assert_on_screen(move)
    with page.expect_navigation():
        move.click()
    assert _keys(page, "Fields of Study") == ["country", "dose", "design"]

    page.get_by_label("Outcome key").fill("death")
    page.get_by_label("Outcome name").fill("Death")
    with page.expect_navigation():
        page.get_by_role("button", name="Add outcome").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Move death up").click()
    assert _keys(page, "Outcomes") == ["death", "cr"]
    assert_fits(page)

    # Nothing lost: the extraction begun on version 1 keeps its form and its values.
    kept = Extraction.objects.select_related("form_version").get(pk=started.pk)
    first = kept.form_version.schema
    assert kept.form_version.number == 1
    assert [(f["key"], f["label"]) for f in first["sections"][0]["fields"]] == [
        (f["key"], f["label"]) for f in SCHEMA["sections"][0]["fields"]]
    assert [o["key"] for o in first["outcomes"]] == ["cr"]
    assert kept.data == started.data and kept.data["country"] == "India"
    assert "Version 2," in page.locator("main > p").first.inner_text()  # one new version for the lot
    latest = FormVersion.objects.filter(review=team.review).order_by("-number").first()
    assert latest.number == 2
    fields = latest.schema["sections"][0]["fields"]
    assert [f["key"] for f in fields] == ["country", "dose", "design"]
    assert fields[0]["label"] == "Country of recruitment"


@pytest.fixture
def extracted(team, form, fill):  # noqa: F811
    """Lim 2020 disagrees on the country's words and the dose; Ng 2021 and Roy 2022 agree."""
    lim = _study(team, "Lim 2020")
    fill(lim, team.rev1, VALUES)
    fill(lim, team.rev2, VALUES | {"country": "North India", "dose@IVIg": "2.5"})
    for label in ("Ng 2021", "Roy 2022"):
        study = _study(team, label)
        fill(study, team.rev1, VALUES)
        fill(study, team.rev2, VALUES)
    return lim


@pytest.mark.django_db(transaction=True)
def test_reconciliation_shows_discrepancies_first_and_agreed_studies_lock_together(people, live_server, team,  # noqa: F811
                                                                                   extracted):
    from extraction.models import Consensus
    from review.models import AuditEvent

    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/extraction/")
    page.get_by_role("link", name="Reconcile Lim 2020").click()
    page.get_by_text("0 of 2 discrepancies settled").wait_for()
    rows = page.locator("table.reconcile tbody tr")
    total = rows.count()
    assert total > 2
    classes = [rows.nth(i).get_attribute("class") or "" for i in range(total)]
    assert classes[:2] == ["discrepancy", "discrepancy"] and "discrepancy" not in classes[2:]
    country = rows.filter(has_text="Country")
    assert country.locator("td").nth(1).inner_text() == "India"
    assert country.locator("td").nth(2).locator("mark.diff").inner_text().strip() == "North"
    assert_on_screen(country.locator("mark.diff"))
    assert rows.filter(has_text="Dose").locator("mark.diff").count() >= 1
    assert_fits(page)

    page.get_by_role("link", name="Discrepancies only").click()
    page.get_by_text("Discrepancies only", exact=True).wait_for()
    assert rows.count() == 2
    assert [text.split(" ")[0] for text in rows.locator("td:first-child").all_inner_texts()] == ["Country", "Dose"]
    page.get_by_role("link", name="All fields").click()
    page.wait_for_function("n => document.querySelectorAll('table.reconcile tbody tr').length === n", arg=total)

    nav(page, "Studies", "Lock")
    page.get_by_role("heading", name="Lock all agreed studies (data extraction)").wait_for()
    assert page.locator(".lock-list li").all_inner_texts() == ["Ng 2021", "Roy 2022"]
    lock = page.get_by_role("button", name="Lock these 2 studies")
    assert_on_screen(lock)
    assert_fits(page)
    lock.click()
    page.get_by_text("2 studies locked: Ng 2021, Roy 2022.").wait_for()
    locked = Consensus.objects.filter(study__review=team.review, kind="extraction", status=Consensus.LOCKED)
    assert sorted(locked.values_list("study__label", flat=True)) == ["Ng 2021", "Roy 2022"]
    event = AuditEvent.objects.get(action="extraction.consensus_locked_all")
    assert event.actor_username == "lena_lead" and event.new_value["studies"] == ["Ng 2021", "Roy 2022"]


@pytest.mark.django_db(transaction=True)
def test_the_design_reads_not_chosen_until_the_lead_saves_one(people, live_server, team):  # noqa: F811
    from review.models import Study

    study = Study.objects.create(review=team.review, label="Dalakas 1993", created_by=team.lead)
    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav(page, "Studies", "Appraisal plan")
    design = page.get_by_label("Design of Dalakas 1993")
    assert_on_screen(design)
    assert design.evaluate("s => s.options[s.selectedIndex].text") == "Not chosen"
    assert_fits(page)
    design.select_option(label="Randomised controlled trial")
    page.locator(f"#design-{study.pk}").locator("xpath=ancestor::form").get_by_role("button", name="Set").click()
    page.locator("td .muted", has_text="RoB 2").wait_for()
    assert page.get_by_label("Design of Dalakas 1993").evaluate(
        "s => s.options[s.selectedIndex].text") == "Randomised controlled trial"


@pytest.fixture
def included(team, source, settings, tmp_path):
    """Three reports included at full text: de Souza 2019, and two of Lim's one trial."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from review.models import Record, RecordImport
    from review.screening.services import decision_record, fulltext_attach
    from tests.review.screening.conftest import PDF_BYTES

    settings.MEDIA_ROOT = tmp_path / "media"
    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="5" * 64,
                                           status="done")
    reports = [("IVIg in dermatomyositis: a randomised trial", ["Lim, K."], 2020),
               ("IVIg in dermatomyositis: a randomised trial (abstract)", ["Lim K"], 2020),
               ("Immunoglobulin for inclusion body myositis", ["de Souza, Ana B.", "Lim, K."], 2019)]
    records = []
    for i, (title, authors, year) in enumerate(reports, start=1):
        record = Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                       title=title, authors=authors, year=year)
        for stage in ("title_abstract", "full_text"):
            if stage == "full_text":
                fulltext_attach(record=record, actor=team.lead, pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
            for user in (team.rev1, team.rev2):
                decision_record(review=team.review, record=record, stage=stage, reviewer=user, vote="include")
        records.append(record)
    return records


@pytest.mark.django_db(transaction=True)
def test_included_reports_are_studies_named_first_author_year_and_group_in_one_click(people, live_server, team,  # noqa: F811
                                                                                      included):
    from review.models import Record

    page = people("lena_lead", PASSWORD)
    page.goto(f"{live_server.url}/reviews/ivig/")
    nav(page, "Studies", "Included")
    page.get_by_role("heading", name=re.compile(r"^Included reports")).wait_for()

    def study_of(title: str) -> str:
        return page.locator("tbody tr", has=page.get_by_role("cell", name=title, exact=True)).locator("td").nth(2) \
            .inner_text()

    assert study_of("Immunoglobulin for inclusion body myositis") == "de Souza 2019"
    assert {study_of(included[0].title), study_of(included[1].title)} == {"Lim 2020", "Lim 2020b"}
    suggestion = page.locator("ul.grouping li")
    assert suggestion.count() == 1 and "same first author (Lim) and similar titles" in suggestion.inner_text()
    group = suggestion.get_by_role("button", name=re.compile(r"^Group into Lim 2020"))
    assert_on_screen(group)
    assert_fits(page)
    group.click()
    page.get_by_role("heading", name=re.compile(r"^Included reports")).wait_for()
    assert study_of(included[0].title) == study_of(included[1].title)
    assert page.locator("ul.grouping li").count() == 0
    assert Record.objects.get(pk=included[0].pk).study_id == Record.objects.get(pk=included[1].pk).study_id
