"""axe-core (from npm) on every page of both demos, as each role: no serious or critical violation.

`npm ci` installs axe-core into node_modules/ (CI does); where it is absent the test skips with
a message, unless CONCORD_REQUIRE_E2E is set, which makes that a failure.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from review.management.commands.load_demo import DEMO_USERS
from tests.e2e.conftest import LAUNCH_ARGS  # noqa: F401  (same browser settings)
from tests.review.test_url_security import URLS, _kwargs

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PASSWORDS = {name: password for name, password, _ in DEMO_USERS}
ROLES = ["lead", "reviewer1", "arbiter"]
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => v.id + " (" + v.impact + "): " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(", "));
}"""


def _first_pk(name: str, review) -> int | None:
    from analysis.models import Analysis
    from extraction.models import Consensus
    from review.models import Conflict, Record, RecordImport, SearchSource, Study

    if name.startswith("analysis:"):
        return Analysis.objects.filter(review=review).values_list("pk", flat=True).first()
    if name.startswith("extraction:"):
        if "consensus" in name or name in {"extraction:lock", "extraction:unlock", "extraction:correct"}:
            return Consensus.objects.filter(study__review=review).values_list("pk", flat=True).first()
        return Study.objects.filter(review=review).values_list("pk", flat=True).first()
    if "conflict" in name:
        return Conflict.objects.filter(record__review=review).values_list("pk", flat=True).first()
    if "import" in name:
        return RecordImport.objects.filter(review=review).values_list("pk", flat=True).first()
    if "source" in name:
        return SearchSource.objects.filter(review=review).values_list("pk", flat=True).first()
    return Record.objects.filter(review=review).values_list("pk", flat=True).first()


def _pages(review):
    for name, converters in URLS:
        if not name or not name.startswith(("review:", "extraction:", "analysis:")):
            continue
        kwargs = _kwargs(converters, review.slug)
        if "pk" in kwargs:
            kwargs["pk"] = _first_pk(name, review)
            if kwargs["pk"] is None:
                continue
        try:
            yield name, reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001  (a pattern with converters this walk cannot fill)
            continue


def walk_demos(browser, live_server, **context_options):
    """Both demos loaded, then every HTML page of each review as each role, opened in a browser
    context made with ``context_options``: yields (username, page name, URL, page)."""
    from review.models import Review
    from tests.e2e.conftest import log_in

    call_command("load_demo_analysis", verbosity=0)
    call_command("load_demo", verbosity=0)
    for username in ROLES:
        context = browser.new_context(**context_options)
        page = context.new_page()
        page.set_default_timeout(20000)
        log_in(page, live_server.url, username, PASSWORDS[username])
        for review in Review.objects.all():
            for name, url in _pages(review):
                # Asked first with the page's cookies, so downloads and non-HTML answers are skipped.
                head = context.request.get(live_server.url + url, max_redirects=0)
                if head.status != 200 or "text/html" not in head.headers.get("content-type", ""):
                    continue
                page.goto(live_server.url + url)
                yield username, name, url, page
        context.close()


@pytest.mark.django_db(transaction=True)
def test_no_serious_or_critical_accessibility_violation_on_any_page(browser, live_server):
    if not AXE.exists():
        message = f"axe-core is not installed ({AXE} is absent): run `npm ci`"
        if os.environ.get("CONCORD_REQUIRE_E2E"):
            pytest.fail(message)
        pytest.skip(message)
    found, checked = [], 0
    for username, name, url, page in walk_demos(browser, live_server, viewport={"width": 1366, "height": 900},
                                                bypass_csp=True):
        page.add_script_tag(path=str(AXE))
        checked += 1
        found += [f"{username} {name} {url}: {v}" for v in page.evaluate(RUN_AXE)]
    assert checked > 60, checked
    assert found == [], "\n".join(found)
