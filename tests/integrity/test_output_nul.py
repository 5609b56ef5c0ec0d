"""A NUL character anywhere a request carries text gets a 400 that names the field, on every
URL, never a 500 (PostgreSQL refuses NUL in text)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from concord.nul_bytes import NUL_IN_FORM, NUL_IN_PATH, NUL_IN_QUERY
from extraction.views.builder import NUL_IN_JSON
from tests.review.test_url_security import URLS, _kwargs

pytestmark = pytest.mark.django_db
FIELD = re.compile(r"<(?:input|select|textarea)\b[^>]*\bname=\"([^\"]+)\"")


@pytest.fixture
def demo(team, settings, tmp_path):
    """Studies, a locked consensus, analyses and runs, so most pages show their forms."""
    from analysis import demo as bcg

    settings.MEDIA_ROOT = tmp_path / "media"
    bcg.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    return team.review


def _urls(review):
    for name, converters in URLS:
        if not name:
            yield "root", "/"
            continue
        kwargs = _kwargs(converters, review.slug)
        if "pk" in kwargs:
            kwargs["pk"] = _first_pk(name, review) or 1
        yield name, reverse(name, kwargs=kwargs)


def _first_pk(name: str, review) -> int:
    from analysis.models import Analysis
    from extraction.models import Consensus
    from review.models import Record, Study

    if name.startswith("analysis:"):
        return Analysis.objects.filter(review=review).values_list("pk", flat=True).first()
    if name.startswith("extraction:"):
        if "consensus" in name or "reconcile" in name:
            return Consensus.objects.filter(study__review=review).values_list("pk", flat=True).first()
        return Study.objects.filter(review=review).values_list("pk", flat=True).first()
    return Record.objects.filter(review=review).values_list("pk", flat=True).first() or 1


def _body(response) -> str:
    return response.content.decode()


def test_a_nul_in_the_query_string_is_refused_on_every_url(team, client_for):
    client = client_for(team.lead)
    for name, url in _urls(team.review):
        response = client.get(url, {"q": "a\x00b", "x": "\x00"})
        assert response.status_code == 400, f"{name}: {response.status_code}"
        assert _body(response) == NUL_IN_QUERY.format(name="q"), name
        # A NUL in a field's name counts too, and %00 in the raw query string is the same NUL.
        response = client.get(f"{url}?page=1&%00sort=1")
        assert (response.status_code, _body(response)) == (400, NUL_IN_QUERY.format(name="\\x00sort")), name


def test_a_nul_in_the_address_is_refused_on_every_url(team, client_for):
    client = client_for(team.lead)
    for name, url in _urls(team.review):
        response = client.get(url + "%00")
        assert (response.status_code, _body(response)) == (400, NUL_IN_PATH), name


def test_a_nul_in_any_form_field_is_refused_on_every_url(team, demo, client_for):
    client = client_for(team.lead)
    posted = 0
    for name, url in _urls(demo):
        page = client.get(url)
        fields = [f for f in dict.fromkeys(FIELD.findall(_body(page))) if f != "csrfmiddlewaretoken"] or ["q"]
        posted += len(fields)
        for i, field in enumerate(fields):
            data = {f: "ok" for f in fields} | {field: f"value{i}\x00"}
            response = client.post(url, data)
            assert response.status_code == 400, f"{name} {field}: {response.status_code}"
            assert _body(response) == NUL_IN_FORM.format(name=field), f"{name} {field}"
    assert posted > 150  # the walk saw the app's real forms, not only the fallback field


def test_a_nul_in_an_uploaded_file_name_is_stripped_and_in_its_field_name_refused(team, source, client_for):
    from review.models import RecordImport

    client = client_for(team.lead)
    url = reverse("review:import_new", args=[team.review.slug])
    upload = SimpleUploadedFile("search\x00.ris", b"TY  - JOUR\nTI  - A\nER  - \n")
    assert client.post(url, {"source": source.pk, "file": upload}).status_code == 302
    assert list(RecordImport.objects.values_list("filename", flat=True)) == ["search.ris"]
    upload = SimpleUploadedFile("other.ris", b"TY  - JOUR\nTI  - B\nER  - \n")
    response = client.post(url, {"source": source.pk, "fi\x00le": upload})
    assert (response.status_code, _body(response)) == (400, NUL_IN_FORM.format(name="fi\\x00le"))


def test_a_cookie_carrying_nul_is_dropped_not_a_500(team, client):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get(reverse("review:records", args=[team.review.slug]), {"q": "myositis"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_clean_requests_pass_through(team, client_for):
    response = client_for(team.lead).get(reverse("review:records", args=[team.review.slug]), {"q": "trial"})
    assert response.status_code == 200


def test_an_escaped_nul_in_the_form_json_is_refused(team, client_for):
    url = reverse("extraction:form", args=[team.review.slug])
    schema = '{"arms": ["A\\u0000"], "timepoints": [], "sections": [], "outcomes": []}'
    response = client_for(team.lead).post(url, {"op": "json", "schema": schema}, follow=True)
    assert response.status_code == 200
    assert NUL_IN_JSON in [str(m) for m in response.context["messages"]]
