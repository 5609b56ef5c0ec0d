"""The Content-Security-Policy in a real browser: the main pages load without a single
violation, and their scripts still work (keyboard votes, the order menu, print)."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in, new_page

# Recorded from the first script that runs in every page, before Concord's own.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def full_review(team, source, settings, tmp_path):
    from analysis import demo
    from extraction.services.assignments import assignment_set
    from review.models import DuplicatePair, Record, RecordImport, Study

    settings.MEDIA_ROOT = tmp_path / "media"
    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    record_import = RecordImport.objects.create(review=team.review, source=source, filename="s.ris",
                                                sha256="0" * 64, status="done")
    records = [
        Record.objects.create(review=team.review, record_import=record_import, source=source, position=i,
                              title=f"{name}: IVIg in dermatomyositis", abstract="A randomised trial.", year=2020)
        for i, name in enumerate(["Alpha", "Beta", "Gamma"], start=1)
    ]
    pair = DuplicatePair.objects.create(review=team.review, record=records[2], kept=records[1], score=0.7,
                                        decision="maybe")
    study = Study.objects.create(review=team.review, label="Open 2024", created_by=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    return type("Full", (), {"review": team.review, "pair": pair, "study": study})


def _visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "default-src 'self'" in response.headers["content-security-policy"], url
    page.wait_for_load_state("load")
    return response


@pytest.mark.django_db(transaction=True)
def test_main_pages_run_without_a_csp_violation(browser, live_server, full_review):
    base, slug = live_server.url, full_review.review.slug
    analysis = full_review.review.analyses.order_by("position").first()
    console = []
    pages = {
        "lena_lead": [
            f"/reviews/{slug}/", f"/reviews/{slug}/duplicates/{full_review.pair.pk}/", f"/reviews/{slug}/prisma/",
            f"/reviews/{slug}/analysis/{analysis.pk}/", f"/reviews/{slug}/analysis/report/",
            f"/reviews/{slug}/extraction/form/", f"/reviews/{slug}/imports/",
        ],
        "rui_reviewer": [
            f"/reviews/{slug}/extraction/studies/{full_review.study.pk}/extract/",
            f"/reviews/{slug}/screen/title-abstract/",
        ],
    }
    for username, urls in pages.items():
        context, page = new_page(browser)
        context.add_init_script(WATCH)
        page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
        log_in(page, base, username, PASSWORD)
        for url in urls:
            _visit(page, base + url)
            for img in page.locator("img").all():
                img.scroll_into_view_if_needed()
            page.wait_for_function("[...document.images].every(i => i.complete)")
            assert page.evaluate("window.__csp") == [], url
        if username == "rui_reviewer":
            _screening_scripts_work(page, base, slug)
        else:
            _lead_scripts_work(page, base, slug)
        assert page.evaluate("window.__csp") == []
        context.close()
    assert console == []


def _screening_scripts_work(page, base, slug):
    # The order menu submits itself (it had an inline onchange before the policy).
    page.get_by_label("Order").select_option("title")
    page.wait_for_url(f"{base}/reviews/{slug}/screen/title-abstract/?order=title")
    page.locator(".screen-title").filter(has_text="Alpha").wait_for()
    page.keyboard.press("i")  # the vote goes by fetch and the next record replaces the panel
    page.locator(".screen-title").filter(has_text="Beta").wait_for()
    assert page.locator("#remaining").inner_text() == "2"


def _lead_scripts_work(page, base, slug):
    _visit(page, f"{base}/reviews/{slug}/analysis/report/")
    page.evaluate("window.print = function () { window.__printed = true; }")
    page.get_by_role("button", name="Print or save as PDF").click()
    assert page.evaluate("window.__printed") is True
