"""`make screenshots`: PNGs of the main pages of the demo, for the README (docs/screenshots/).

Skipped in the test suite: it runs only when CONCORD_SCREENSHOTS names the folder to write.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from review.management.commands.load_demo import DEMO_USERS
from tests.e2e.conftest import log_in

PASSWORDS = {name: password for name, password, _ in DEMO_USERS}
OUT = os.environ.get("CONCORD_SCREENSHOTS", "")
LAPTOP, PHONE = (1366, 900), (390, 844)


def _shots():
    from analysis.models import Analysis
    from extraction.models import Consensus
    from review.models import Conflict

    conflict = Conflict.objects.filter(record__review__slug="ivig-myositis", status="open").first()
    open_consensus = Consensus.objects.filter(study__review__slug="bcg-vaccine", status="open").first()
    analysis = Analysis.objects.filter(review__slug="bcg-vaccine").order_by("pk").first()
    yield "home", "lead", "/reviews/ivig-myositis/", [LAPTOP, PHONE]
    yield "screening", "reviewer1", "/reviews/ivig-myositis/screen/title-abstract/", [LAPTOP, PHONE]
    if conflict:
        yield "conflict", "arbiter", f"/reviews/ivig-myositis/conflicts/{conflict.pk}/", [LAPTOP]
    yield "extraction", "lead", "/reviews/bcg-vaccine/extraction/", [LAPTOP]
    if open_consensus:
        yield ("reconciliation", "lead", f"/reviews/bcg-vaccine/extraction/studies/{open_consensus.study_id}"
               "/extract/reconcile/", [LAPTOP])
    if analysis:
        yield "analysis", "lead", f"/reviews/bcg-vaccine/analysis/{analysis.pk}/", [LAPTOP]


@pytest.mark.skipif(not OUT, reason="writes docs/screenshots/ only under `make screenshots`")
@pytest.mark.django_db(transaction=True)
def test_screenshots(browser, live_server):
    call_command("load_demo_analysis", verbosity=0)
    call_command("load_demo", verbosity=0)
    out = Path(OUT)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, user, path, sizes in _shots():
        for width, height in sizes:
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            log_in(page, live_server.url, user, PASSWORDS[user])
            page.goto(live_server.url + path)
            page.wait_for_load_state("networkidle")
            target = out / f"{name}-{'phone' if width < 600 else 'laptop'}.png"
            page.screenshot(path=str(target), full_page=False)
            written.append(target)
            context.close()
    assert all(p.stat().st_size > 10_000 for p in written), written
