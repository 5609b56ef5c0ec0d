"""Blinding on every page (issue 15, part 4): markers planted as reviewer A reach no page or
download of a viewer who still owes their own judgement, and no number they see moves when
A's vote flips.

Viewers: a lead who also screens and extracts and has not voted, an arbiter before any
conflict exists, and reviewer B before voting. Every URL the resolver knows is requested
(each kwarg filled from the planted objects), then every link of the review those pages
offer, one level deep; XLSX downloads are opened and read cell by cell.
"""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from extraction.fingerprint import fingerprint
from extraction.models import Extraction
from review.blinding import HIDDEN, shown_fingerprint
from review.models import Conflict, RecordImport
from review.models.screening import Stage
from review.services.reviews import member_set_roles, review_update
from tests.extraction.conftest import SCHEMA

pytestmark = pytest.mark.django_db

MARK = "ZQBLND"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SKIP_NAMES = {"login", "logout", "password_change", "password_change_done"}
STR_VALUES = {
    "stage_slug": ("title-abstract", "full-text"),
    "fmt": ("csv", "xlsx", "json", "svg", "png", "pdf", "ris", "txt"),
    "kind": ("forest", "funnel"),
}
ROB1_DOMAINS = ("random_sequence", "allocation_concealment", "blinding_participants", "blinding_outcome",
                "incomplete_outcome", "selective_reporting", "other")


def marker(what: str) -> str:
    return f"{MARK}-{what}"


# --- planting ------------------------------------------------------------------------------


def _records(team, source, n):
    record_import = RecordImport.objects.create(review=team.review, source=source, filename="crawl.ris",
                                                sha256="c" * 64, status="done")
    from review.models import Record

    return [Record.objects.create(review=team.review, record_import=record_import, source=source, position=i + 1,
                                  title=f"Trial {i + 1} of IVIg in myositis", year=2001 + i)
            for i in range(n)]


def _fill(study, user, raw, *, kind, submit):
    from extraction.services.extractions import (
        extraction_save,
        extraction_start,
        extraction_submit,
        parse_values,
    )

    extraction = extraction_start(study=study, kind=kind, user=user)
    values, errors = parse_values(extraction, raw)
    assert not errors, errors
    extraction = extraction_save(extraction=extraction, actor=user, values=values, expected_version=extraction.version)
    if submit:
        extraction = extraction_submit(extraction=extraction, actor=user, expected_version=extraction.version)
    return extraction


def _rob1(tag: str) -> dict:
    answers = {d: ("high" if i % 3 == 0 else "low") for i, d in enumerate(ROB1_DOMAINS)}
    answers |= {f"{d}.support": marker(f"appraisal-{tag}-{d}") for d in ROB1_DOMAINS[:2]}
    return answers


class World:
    """What was planted, and the ids to fill URLs with."""


@pytest.fixture
def world(team, source):
    from extraction.services.appraisal import appraisal_plan_set
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Membership, RecordStage, Study
    from review.screening.services import decision_record, fulltext_attach, stages_sync
    from review.services.exclusions import exclusion_reason_save

    review, a, b, lead = team.review, team.rev1, team.rev2, team.lead
    member_set_roles(membership=Membership.objects.get(review=review, user=lead), roles=["lead", "reviewer"],
                     actor=lead, expected_version=None)
    w = World()
    w.team, w.review, w.markers = team, review, []
    w.reason_x = exclusion_reason_save(review=review, actor=lead, label="Wrong comparator QXR", position=90, expected_version=None)
    w.reason_y = exclusion_reason_save(review=review, actor=lead, label="Wrong setting QYR", position=91, expected_version=None)
    ta_record, ft_record, control = _records(team, source, 3)
    # Opening the queue would create the stage rows; made now, so the two crawls see the same rows.
    stages_sync(review=review)

    def vote(record, reviewer, choice, stage=Stage.TITLE_ABSTRACT, **kwargs):
        return decision_record(review=review, record=record, stage=stage, reviewer=reviewer, vote=choice, **kwargs)

    # Title/abstract: A's vote with a note and labels, changed once so old and new values exist.
    vote(ta_record, a, "exclude", note=marker("ta-note-old"), labels=[marker("ta-label-old")])
    vote(ta_record, a, "include", note=marker("ta-note"), labels=[marker("ta-label")])
    # Full text: the record got past title/abstract on A's and B's plain votes (settled, no marker).
    vote(ft_record, a, "include")
    vote(ft_record, b, "include")
    fulltext_attach(record=ft_record, actor=lead, pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
    vote(ft_record, a, "exclude", stage=Stage.FULL_TEXT, note=marker("ft-note"), labels=[marker("ft-label")],
         exclusion_reason=w.reason_x)
    w.markers += [marker(m) for m in ("ta-note-old", "ta-label-old", "ta-note", "ta-label", "ft-note", "ft-label")]
    w.ta_record, w.ft_record, w.control = ta_record, ft_record, control

    # Extraction and appraisal: S1 is A's and the lead's, S2 and S3 A's and B's; A submitted
    # S1 and S2 and holds only drafts of S3.
    form_publish(review=review, schema=SCHEMA, actor=lead)
    studies = [Study.objects.create(review=review, label=f"Study {i} 2020", created_by=lead) for i in (1, 2, 3)]
    partners = {studies[0]: lead, studies[1]: b, studies[2]: b}
    w.raw_fingerprints = []
    for study, partner in partners.items():
        tag = study.label.split()[1]
        submit = study is not studies[2]
        appraisal_plan_set(study=study, design="rct", instrument="rob1", reason="Published before RoB 2", actor=lead, expected_version=None)
        for kind in ("extraction", "appraisal"):
            assignment_set(study=study, kind=kind, users=[a, partner], actor=lead, expected_version=None)
        values = {"country": marker(f"country-{tag}"), "design": "RCT", "dose@IVIg": "2.25"}
        done = _fill(study, a, values, kind="extraction", submit=submit)
        appraisal = _fill(study, a, _rob1(tag), kind="appraisal", submit=submit)
        w.markers += [marker(f"country-{tag}"), *(v for k, v in _rob1(tag).items() if k.endswith(".support"))]
        w.raw_fingerprints += [fingerprint(done.data), fingerprint(appraisal.data)]
    w.studies = studies
    w.pks = sorted({1, 2, 3, ta_record.pk, ft_record.pk, control.pk,
                    *RecordStage.objects.filter(review=review).values_list("pk", flat=True),
                    *(s.pk for s in studies), *Extraction.objects.values_list("pk", flat=True)})
    return w


# --- crawling ------------------------------------------------------------------------------


def _patterns(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, converters in _patterns(entry.url_patterns, inner):
                yield name, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(entry.pattern.converters)


def _fill_kwargs(name: str, converters: dict, w: World):
    options: list[dict] = [{}]
    for key, converter in converters.items():
        kind = type(converter).__name__
        if key == "slug":
            values = (w.review.slug,)
        elif kind == "IntConverter":
            # No analysis is planted (analysis reads locked consensus only, which holds no
            # one's private entry): one id shows its pages answer 404 rather than leak.
            values = (1,) if name.startswith("analysis:") else tuple(w.pks)
        else:
            values = STR_VALUES.get(key, ("x",))
        options = [{**o, key: v} for o in options for v in values]
    return options


def resolver_urls(w: World) -> list[str]:
    urls = set()
    for name, converters in _patterns(get_resolver().url_patterns):
        if name in SKIP_NAMES:
            continue
        for kwargs in _fill_kwargs(name, converters, w):
            urls.add(reverse(name, kwargs=kwargs))
    screen = reverse("review:screen", args=[w.review.slug, "title-abstract"])
    urls |= {f"{screen}?record={r.pk}" for r in (w.ta_record, w.ft_record, w.control)}
    return sorted(urls)


def body_text(response) -> str:
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw[:2] == b"PK":
        # XLSX (or any zip): every part but the time-stamped properties, so shared strings
        # and sheets are read as written.
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return unescape("".join(archive.read(n).decode("utf-8", errors="replace")
                                    for n in archive.namelist() if not n.startswith("docProps/")))
    text = raw.decode("utf-8", errors="replace")
    if raw[:4] == b"%PDF":
        text = re.sub(r"/CreationDate \(D:[^)]*\)", "", text)
    return unescape(text)


HREF = re.compile(r'href="([^"#]+)')


def crawl(client, w: World) -> dict[str, tuple[int, str]]:
    """{url: (status, body)} for every resolver URL and every in-review link on those pages."""
    prefix = reverse("review:detail", args=[w.review.slug])
    seen: dict[str, tuple[int, str]] = {}
    for url in resolver_urls(w):
        response = client.get(url)
        seen[url] = (response.status_code, body_text(response))
    links = set()
    for status, body in list(seen.values()):
        if status == 200:
            links |= {unescape(h) for h in HREF.findall(body) if urlsplit(unescape(h)).path.startswith(prefix)}
    for url in sorted(links - set(seen)):
        response = client.get(url)
        seen[url] = (response.status_code, body_text(response))
    return seen


VOLATILE = re.compile(r'(name="csrfmiddlewaretoken" value=|nonce=|csrf-token" content=)"[^"]*"')


# Clock times ("generated 02:55 UTC") move between the two crawls whatever A votes.
CLOCK = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(\+00:00|Z)?")


# matplotlib names each SVG clip path at random.
CLIP = re.compile(r"(url\(#|id=\")p[0-9a-f]{10}")


def normalised(body: str) -> str:
    return CLIP.sub(r"\1clip", CLOCK.sub("<time>", VOLATILE.sub("", body)))


def _first_change(old: str, new: str) -> list[str]:
    import difflib

    return [line for line in difflib.unified_diff(normalised(old).splitlines(), normalised(new).splitlines(), n=0)
            if line[:1] in "+-"][:6]


def leaks(pages, needles) -> list[tuple[str, str]]:
    return [(url, n) for url, (_, body) in pages.items() for n in needles if n in body]


def viewers(w: World):
    return {"lead who screens": w.team.lead, "arbiter": w.team.arbiter, "reviewer B": w.team.rev2}


def flip(w: World) -> None:
    """A turns every vote around: include <-> exclude, and the full-text reason X -> Y."""
    from review.screening.services import decision_record

    decision_record(review=w.review, record=w.ta_record, stage=Stage.TITLE_ABSTRACT, reviewer=w.team.rev1,
                    vote="exclude", note=marker("ta-note"), labels=[marker("ta-label")])
    decision_record(review=w.review, record=w.ft_record, stage=Stage.FULL_TEXT, reviewer=w.team.rev1,
                    vote="exclude", note=marker("ft-note"), labels=[marker("ft-label")], exclusion_reason=w.reason_y)


# --- the checks ----------------------------------------------------------------------------


def test_no_marker_and_no_direction_reaches_a_viewer_who_still_owes_a_judgement(client, world):
    w = world
    audit = reverse("review:audit", args=[w.review.slug])
    before = {}
    for who, user in viewers(w).items():
        client.force_login(user)
        pages = crawl(client, w)
        before[who] = pages
        assert sum(1 for status, _ in pages.values() if status == 200) > 40, who  # real pages, not errors
        assert leaks(pages, w.markers + w.raw_fingerprints) == [], who
    # The lead reads the audit page, with the rows of what they still owe redacted.
    lead_audit = before["lead who screens"][audit][1].lower()
    assert HIDDEN["screening"] in lead_audit and HIDDEN["extraction"] in lead_audit
    assert HIDDEN["appraisal"] in lead_audit
    # A's submitted work the lead has no part in shows, with its fingerprint keyed.
    s2_appraisal = Extraction.objects.get(study=w.studies[1], kind="appraisal", user=w.team.rev1)
    assert shown_fingerprint(fingerprint(s2_appraisal.data)) in lead_audit
    assert before["reviewer B"][audit][0] == 403 and before["arbiter"][audit][0] == 403

    flip(w)
    for who, user in viewers(w).items():
        client.force_login(user)
        after = crawl(client, w)
        assert leaks(after, w.markers + w.raw_fingerprints) == [], who
        for url, (status, body) in after.items():
            old_status, old_body = before[who].get(url, (None, ""))
            if url.startswith(audit) or old_status is None:
                continue
            # Nothing a viewer sees moves when A's votes turn round: no count, rate or kappa.
            assert status == old_status, f"{who}: {url}"
            assert normalised(body) == normalised(old_body), f"{who}: {url}: {_first_change(old_body, body)}"
        for url, (_, body) in after.items():
            old_body = before[who].get(url, (None, body))[1]
            for reason in (w.reason_x.label, w.reason_y.label):
                assert body.count(reason) == old_body.count(reason), f"{who}: {url} shows A's reason"


def test_dashboard_numbers_do_not_follow_a_pending_vote(client, world):
    w = world
    dashboard = reverse("review:dashboard", args=[w.review.slug])
    seen = {}
    for user in (w.team.lead, w.team.arbiter):
        client.force_login(user)
        seen[user.pk] = normalised(body_text(client.get(dashboard)))
        assert "rui_reviewer" in seen[user.pk]  # A's row is on the page
    flip(w)
    for user in (w.team.lead, w.team.arbiter):
        client.force_login(user)
        assert normalised(body_text(client.get(dashboard))) == seen[user.pk]


def test_the_lead_reads_a_record_s_votes_once_their_own_is_in(client, world):
    from review.screening.services import decision_record

    w = world
    decision_record(review=w.review, record=w.ta_record, stage=Stage.TITLE_ABSTRACT, reviewer=w.team.lead,
                    vote="include")
    client.force_login(w.team.lead)
    page = body_text(client.get(reverse("review:audit", args=[w.review.slug])))
    assert marker("ta-note") in page and marker("ta-note-old") in page
    # The full text of the other record is still owed: its vote stays hidden.
    # Both reasons show once, in their own creation events; A's full-text vote adds no X.
    assert marker("ft-note") not in page and page.count(w.reason_x.label) == page.count(w.reason_y.label) == 1


def test_reviewer_b_sees_what_the_policy_allows_after_submitting(client, world):
    from review.screening.services import decision_record

    w = world
    review_update(review=w.review, actor=w.team.lead, version=w.review.version, blind_mode=False)
    decision_record(review=w.review, record=w.ft_record, stage=Stage.FULL_TEXT, reviewer=w.team.rev2,
                    vote="exclude", exclusion_reason=w.reason_x)
    _fill(w.studies[1], w.team.rev2, {"country": "India", "design": "RCT"}, kind="extraction", submit=True)
    client.force_login(w.team.rev2)
    pages = crawl(client, w)
    found = {needle for _, needle in leaks(pages, w.markers)}
    # Both submitted S2: the reconciliation page shows A's values beside B's.
    assert marker("country-2") in found
    # Still owed: the title/abstract vote, S3's extraction, both appraisals.
    assert not found & {marker("ta-note"), marker("ta-label"), marker("country-3"),
                        marker("appraisal-2-random_sequence"), marker("appraisal-3-random_sequence")}


def test_the_arbiter_sees_both_sides_once_the_conflict_exists(client, world):
    from review.screening.services import decision_record

    w = world
    client.force_login(w.team.arbiter)
    decision_record(review=w.review, record=w.ta_record, stage=Stage.TITLE_ABSTRACT, reviewer=w.team.rev2,
                    vote="exclude", note="not myositis")
    conflict = Conflict.objects.get(record=w.ta_record)
    page = body_text(client.get(reverse("review:conflict_detail", args=[w.review.slug, conflict.pk])))
    assert marker("ta-note") in page and "not myositis" in page
