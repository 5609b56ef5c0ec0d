"""Blind mode: a marker planted in one reviewer's note reaches no page, export or JSON the
other reviewer can request, until the rules allow it."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from review.models import Conflict, RecordStage
from review.services.reviews import review_update

pytestmark = pytest.mark.django_db
MARKER = "ZQX-marker-7d1f3a"
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


def _review_urls(ids: dict) -> list[str]:
    """Every review:* URL, filled with each id we know, on GET."""
    urls = []

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry.url_patterns, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and namespace == "review:" and entry.name:
                names = set(entry.pattern.converters)
                if "slug" not in names:
                    continue
                for stage_slug in ("title-abstract", "full-text"):
                    for pk in ids["pks"]:
                        for fmt in ("json", "csv", "svg", "ris"):
                            values = {"slug": ids["slug"], "stage_slug": stage_slug, "pk": pk, "fmt": fmt}
                            urls.append(reverse(f"review:{entry.name}", kwargs={k: values[k] for k in names}))
    walk(get_resolver().url_patterns)
    return sorted(set(urls))


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _leaks(client, urls, extra=()) -> list[str]:
    found = []
    for url in [*urls, *extra]:
        response = client.get(url)
        if MARKER in _body(response):
            found.append(url)
    return found


def test_a_note_stays_hidden_from_the_other_reviewer(client_for, team, records, vote):
    target = records[0]
    vote(target, team.rev1, "exclude", note=f"adults only {MARKER}", labels=[MARKER])
    row = RecordStage.objects.get(record=target, stage="title_abstract")
    ids = {"slug": team.review.slug, "pks": sorted({target.pk, row.pk, 1})}
    urls = _review_urls(ids)
    screen = reverse("review:screen", args=[team.review.slug, "title-abstract"])
    extra = [f"{screen}?record={target.pk}", f"{screen}?order=title", f"{screen}?order=year"]
    client = client_for(team.rev2)
    assert len(urls) > 20
    assert _leaks(client, urls, extra) == []

    # The second vote opens a conflict; the JSON answer to it carries nothing of the first.
    response = client.post(reverse("review:vote", args=[team.review.slug, "title-abstract", target.pk]),
                           {"vote": "include", "version": 0}, **FETCH)
    assert response.json()["ok"] and MARKER not in response.content.decode()
    conflict = Conflict.objects.get(record=target)
    ids["pks"] = sorted({*ids["pks"], conflict.pk})
    urls = _review_urls(ids)
    assert _leaks(client, urls, extra) == []

    # The arbiter, whose job it is, sees it.
    arbiter_page = client_for(team.arbiter).get(reverse("review:conflict_detail", args=[team.review.slug, conflict.pk]))
    assert MARKER in arbiter_page.content.decode()

    # With blind mode switched off, a reviewer who has voted sees the colleague's vote.
    review_update(review=team.review, actor=team.lead, version=team.review.version, blind_mode=False)
    client = client_for(team.rev2)
    assert _leaks(client, [f"{screen}?record={target.pk}"]) == [f"{screen}?record={target.pk}"]


def test_without_blind_mode_the_note_still_waits_for_ones_own_vote(client_for, team, records, vote):
    review_update(review=team.review, actor=team.lead, version=team.review.version, blind_mode=False)
    vote(records[0], team.rev1, "exclude", note=MARKER)
    screen = reverse("review:screen", args=[team.review.slug, "title-abstract"])
    client = client_for(team.rev2)
    ids = {"slug": team.review.slug, "pks": [records[0].pk]}
    assert _leaks(client, _review_urls(ids), [f"{screen}?record={records[0].pk}", f"{screen}?order=title"]) == []


def test_a_lead_who_screens_cannot_export_votes_in_blind_mode(client_for, team, records, vote):
    from review.models import Membership

    Membership.objects.filter(review=team.review, user=team.lead).update(is_reviewer=True)
    vote(records[0], team.rev1, "exclude", note=MARKER)
    client = client_for(team.lead)
    assert client.get(reverse("review:export_votes", args=[team.review.slug])).status_code == 403
    Membership.objects.filter(review=team.review, user=team.lead).update(is_reviewer=False)
    export = client.get(reverse("review:export_votes", args=[team.review.slug]))
    assert export.status_code == 200 and MARKER in export.content.decode()
