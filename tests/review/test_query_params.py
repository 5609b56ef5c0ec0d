"""A hand-edited address never answers 500: every query parameter any page reads is tried
with values a person (or a fuzzer) might type, on every URL, as the lead of a review with data."""

import re
from pathlib import Path

import pytest

from tests.integrity.test_output_nul import _urls, demo  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:request\.)?GET\.get\(\s*["']([a-z_]+)["']""")
HOSTILE = ["99999999999999999999", "-1", "0", "abc", "1e5", "2026-13-45", "", " ", "x" * 5000, "<script>", "1.5"]


def _parameter_names() -> set[str]:
    names = set()
    for path in [*REPO.glob("*/views/*.py"), *REPO.glob("*/views.py")]:
        names.update(READ.findall(path.read_text()))
    return names | {"page", "source", "rule", "kind", "status", "label", "stage", "sort"}


def test_the_walk_reads_the_parameters_the_pages_use():
    assert {"q", "source", "year", "page", "since", "record", "order"} <= _parameter_names()


def test_no_hostile_query_value_answers_500(team, demo, client_for):  # noqa: F811
    client = client_for(team.lead)
    client.raise_request_exception = False
    names = sorted(_parameter_names())
    failures = []
    for name, url in _urls(demo):
        for value in HOSTILE:
            response = client.get(url, {key: value for key in names})
            if response.status_code >= 500:
                failures.append(f"{name} with {value[:30]!r}: {response.status_code}")
    assert not failures, "\n".join(failures)
