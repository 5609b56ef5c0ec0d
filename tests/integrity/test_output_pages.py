"""Pages: bidirectional controls in a file name are shown escaped; every page and SVG carries
a Content-Security-Policy, and no template needs an inline script, handler or style."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from concord.csp import PAGE_POLICY, SVG_POLICY
from review.templatetags.text_display import bidi_escaped

pytestmark = pytest.mark.django_db
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
# Reads as "report-exe.ris" with the override applied; it is an ".exe" in disguise.
SPOOFED = "report-\u202esir.exe"


def test_every_bidi_control_is_shown_as_its_escape():
    assert bidi_escaped(f"a{CONTROLS}b") == "a" + "".join(f"\\u{ord(c):04x}" for c in CONTROLS) + "b"
    assert bidi_escaped("Müller – 2021 ×") == "Müller – 2021 ×"
    assert bidi_escaped(None) == ""


@pytest.fixture
def spoofed(team, source, settings, tmp_path):
    from django.core.files.base import ContentFile

    from review.models import Record, RecordImport

    settings.MEDIA_ROOT = tmp_path / "media"
    record_import = RecordImport.objects.create(review=team.review, source=source, filename=SPOOFED,
                                                sha256="d" * 64, status="done", format="ris")
    record = Record.objects.create(review=team.review, record_import=record_import, source=source, position=1,
                                   title="A trial")
    # Django's upload parser drops these characters, but names also come from scripts and archives.
    waiting = RecordImport.objects.create(review=team.review, source=source, filename=SPOOFED, sha256="c" * 64,
                                          status="pending", format="csv",
                                          upload=ContentFile(b"Title,Year\nA trial,2001\n", name="w.csv"))
    return record_import, record, waiting


def test_file_names_with_bidi_controls_are_shown_escaped(team, spoofed, client_for):
    record_import, record, waiting = spoofed
    client = client_for(team.lead)
    slug = team.review.slug
    for url in (reverse("review:imports", args=[slug]),
                reverse("review:import_detail", args=[slug, record_import.pk]),
                reverse("review:import_map", args=[slug, waiting.pk]),
                reverse("review:record_detail", args=[slug, record.pk])):
        page = client.get(url)
        assert page.status_code == 200, url
        body = page.content.decode()
        assert not set(CONTROLS) & set(body), url
        assert "report-\\u202esir.exe" in body, url


def test_pages_and_svgs_carry_a_content_security_policy(team, client_for):
    client = client_for(team.lead)
    page = client.get(reverse("review:detail", args=[team.review.slug]))
    assert page["Content-Security-Policy"] == PAGE_POLICY
    assert "script-src 'self'" in PAGE_POLICY and "unsafe-inline" not in PAGE_POLICY
    assert client.get(reverse("login"))["Content-Security-Policy"] == PAGE_POLICY
    svg = client.get(reverse("review:prisma_download", args=[team.review.slug, "svg"]))
    assert svg["Content-Security-Policy"] == SVG_POLICY
    csv = client.get(reverse("review:prisma_download", args=[team.review.slug, "csv"]))
    assert "Content-Security-Policy" not in csv


INLINE = {
    "style element": re.compile(r"<style\b", re.I),
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "event handler": re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}


def test_no_template_relies_on_what_the_policy_refuses():
    found = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        found += [(path.name, what) for what, pattern in INLINE.items() if pattern.search(text)]
    assert found == []


def test_the_filter_escapes_html_it_was_given_as_text_and_keeps_safe_html():
    from django.template import Context, Template
    from django.utils.safestring import mark_safe

    template = Template("{% load text_display %}{{ v|bidi_escaped }}")
    assert template.render(Context({"v": "<b>x\u202e</b>"})) == "&lt;b&gt;x\\u202e&lt;/b&gt;"
    assert template.render(Context({"v": mark_safe("<b>x\u202e</b>")})) == "<b>x\\u202e</b>"
