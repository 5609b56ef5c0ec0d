"""The demo that `make run` serves, walked in the browser: a reviewer screens, the arbiter
settles a conflict, the PRISMA diagram renders, the lead reconciles and locks the one BCG trial
whose extractions disagree, and the analysis, run again, shows the pooled value the engine
computes for all 13 locked trials, with its forest plot."""

import pytest
from django.core.management import call_command

from analysis.meta import escalc, rma
from extraction.models import Consensus
from review.management.commands.load_demo import DEMO_USERS
from review.models import Record
from review.models.screening import Conflict, ConflictStatus, ScreeningDecision
from tests.e2e.conftest import settle_with_a_and_lock

PASSWORDS = {name: password for name, password, _ in DEMO_USERS}
# Colditz et al. 1994 (metafor's dat.bcg): tpos, tneg, cpos, cneg of the 13 trials.
BCG = [
    (4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619),
    (33, 5036, 47, 5761), (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892),
    (29, 7470, 45, 7232), (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338),
    (27, 16886, 29, 17825),
]


@pytest.mark.django_db(transaction=True)
def test_the_demo_walk(session, live_server):
    call_command("load_demo_analysis", verbosity=0)
    call_command("load_demo", verbosity=0)
    review_url = f"{live_server.url}/reviews/ivig-myositis"

    context, page = session("reviewer1", PASSWORDS["reviewer1"], timeout=20000)
    page.goto(f"{review_url}/screen/title-abstract/")
    page.get_by_text("Keys:").wait_for()
    before = ScreeningDecision.objects.filter(reviewer__username="reviewer1").count()
    page.keyboard.press("e")
    page.wait_for_function(
        "n => Number(document.getElementById('remaining').textContent) === n", arg=4, timeout=20000
    )
    assert ScreeningDecision.objects.filter(reviewer__username="reviewer1").count() == before + 1
    context.close()

    conflict = Conflict.objects.get(record__review__slug="ivig-myositis", status=ConflictStatus.OPEN)
    context, page = session("arbiter", PASSWORDS["arbiter"], timeout=20000)
    page.goto(f"{review_url}/conflicts/")
    page.get_by_role("link", name=conflict.record.title[:40]).click()
    page.get_by_label("Exclude").check()
    page.get_by_label("Note").fill("Outside the review question.")
    page.get_by_role("button", name="Settle conflict").click()
    page.wait_for_load_state()
    conflict.refresh_from_db()
    assert conflict.status != ConflictStatus.OPEN
    context.close()

    context, page = session("lead", PASSWORDS["lead"], timeout=20000)
    page.goto(f"{review_url}/prisma/")
    diagram = page.get_by_role("img", name="PRISMA 2020 flow diagram of this review")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=diagram.element_handle())
    assert Record.objects.filter(review__slug="ivig-myositis").count() == 60

    bcg_url = f"{live_server.url}/reviews/bcg-vaccine"
    page.goto(f"{bcg_url}/analysis/")
    page.locator("a", has_text="isk ratio").first.click()
    page.get_by_text("Comstock et al 1976").first.wait_for()
    assert page.locator("tr.main-row .effect").get_attribute("data-value") != ""

    page.goto(f"{bcg_url}/extraction/")
    settle_with_a_and_lock(page, "Comstock et al 1976", "Value A is the published total: 27 cases + 16,886 non-cases.")
    consensus = Consensus.objects.get(study__label="Comstock et al 1976", kind="extraction")
    assert consensus.is_locked and consensus.data["tb.total@BCG"] == 16913

    a, b, c, d = zip(*BCG, strict=True)
    expected = rma(escalc("RR", ai=a, bi=b, ci=c, di=d), method="REML").transformed().estimate
    page.goto(f"{bcg_url}/analysis/")
    page.locator("a", has_text="isk ratio").first.click()
    page.get_by_text("out of date").first.wait_for()
    page.get_by_role("button", name="Run again").click()
    page.wait_for_load_state()
    effect = page.locator("tr.main-row .effect")
    assert effect.inner_text() == f"{expected:.2f}"
    assert float(effect.get_attribute("data-value")) == pytest.approx(expected, rel=1e-12)
    forest = page.locator("img[alt^='Forest plot']").first
    forest.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=forest.element_handle(), timeout=60000)
    page.screenshot(path="/tmp/concord-e2e-demo-analysis.png", full_page=True)
    context.close()
