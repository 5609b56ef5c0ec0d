"""Independence: before both have submitted, no response shows one extractor's values to the other.

Every URL of the site is fetched as the second extractor (with every plausible id), and the
first extractor's distinctive values must appear in none of them.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from extraction.models import Extraction

from .conftest import VALUES

pytestmark = pytest.mark.django_db

MARKERS = {"country": "Zanzibar-Marker-7319", "dose@IVIg": "7.77", "d1.support": "Sealed-Envelope-Marker-4411"}
DOWNLOADS = ["characteristics.csv", "characteristics.xlsx", "long.csv", "appraisal.csv"]


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, converters in _walk(entry.url_patterns, inner):
                yield name, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(entry.pattern.converters)


def _urls(slug, ids):
    for name, converters in sorted(set((n, tuple(sorted(c))) for n, c in _walk(get_resolver().url_patterns))):
        keys = list(converters)
        if name in ("logout",):
            continue
        if "name" in keys:
            choices = [{"name": d} for d in DOWNLOADS]
        elif "pk" in keys:
            choices = [{"pk": i} for i in ids]
        else:
            choices = [{}]
        for extra in choices:
            kwargs = {"slug": slug, **extra} if "slug" in keys else extra
            extra_keys = set(keys) - set(kwargs)
            if extra_keys:
                kwargs.update({k: 1 for k in extra_keys})
            try:
                yield reverse(name, kwargs=kwargs)
            except Exception:  # a converter this walk does not know; covered elsewhere
                continue


def _assert_nothing_leaks(client, slug, ids):
    fetched = 0
    for path in _urls(slug, ids):
        for query in ("", "?instrument=rob2&style=traffic_light&format=svg"):
            response = client.get(path + query)
            body = response.content.decode("utf-8", "replace") if response.status_code == 200 else ""
            for key, marker in MARKERS.items():
                assert marker not in body, f"{path}{query} shows the other extractor's {key}"
            fetched += 1
    assert fetched > 20


@pytest.fixture
def first_submitted(team, assigned, fill, client_for):
    from extraction.services.appraisal import appraisal_plan_set
    from extraction.services.assignments import assignment_set

    fill(assigned, team.rev1, VALUES | {"country": MARKERS["country"], "dose@IVIg": MARKERS["dose@IVIg"]})
    appraisal_plan_set(study=assigned, design="rct", actor=team.lead, expected_version=None)
    assignment_set(study=assigned, kind="appraisal", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    answers = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y", "3.1": "Y", "4.1": "N",
               "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N", "d1.support": MARKERS["d1.support"]}
    fill(assigned, team.rev1, answers, kind="appraisal")
    return assigned


def test_second_extractor_sees_nothing_of_the_first_before_submitting(team, first_submitted, fill, client_for):
    # The second extractor has a draft of their own, so their pages are fully populated.
    fill(first_submitted, team.rev2, {"country": "India"}, submit=False)
    ids = sorted({first_submitted.pk, *Extraction.objects.values_list("pk", flat=True), 1, 2, 3})
    client = client_for(team.rev2)
    own = client.get(reverse("extraction:extract", kwargs={"slug": team.review.slug, "pk": first_submitted.pk}))
    assert 'value="India"' in own.content.decode()  # the walk sees real pages, not just errors
    _assert_nothing_leaks(client, team.review.slug, ids)


def test_after_both_submit_the_pair_sees_both_sides(team, first_submitted, fill, client_for):
    fill(first_submitted, team.rev2, VALUES)
    page = client_for(team.rev2).get(reverse("extraction:reconcile_extraction",
                                             kwargs={"slug": team.review.slug, "pk": first_submitted.pk}))
    assert MARKERS["country"] in page.content.decode()


def test_audit_log_never_holds_draft_or_submitted_values(team, first_submitted):
    from review.models import AuditEvent

    for event in AuditEvent.objects.all():
        text = f"{event.old_value} {event.new_value} {event.reason}"
        assert not any(marker in text for marker in MARKERS.values()), event.action
