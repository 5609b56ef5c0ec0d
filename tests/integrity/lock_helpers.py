"""Shared by the lock attack tests: the BCG demo review, its analysis, and a superuser's tools."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from extraction import lock_triggers


@pytest.fixture
def bcg(team):
    """13 locked trials (extraction and appraisal) and the demo analyses, each run once."""
    from analysis import demo

    demo.load(review=team.review, lead=team.lead, extractors=[team.rev1, team.rev2])
    return team.review.analyses.get(measure="RR")


@pytest.fixture
def target(bcg):
    """The locked extraction consensus the attacks aim at (a trial with a settled slip)."""
    from extraction.models import Consensus

    return (Consensus.objects.filter(study__review=bcg.review, kind="extraction", discrepancies__isnull=False)
            .select_related("study", "form_version").order_by("study__label").first())


@pytest.fixture
def before(bcg):
    """The pooled result of the analysis before the attack."""
    from analysis.services import analysis_run

    return analysis_run(analysis=bcg).results


def pooled_now(analysis) -> dict:
    from analysis.services import analysis_run

    return analysis_run(analysis=analysis).results


def assert_unchanged(analysis, before) -> None:
    """No tampering anywhere and the analysis computes exactly what it did before."""
    from extraction.selectors import locked_consensus

    assert locked_consensus(analysis.review).tampered == ()
    after = pooled_now(analysis)
    assert (after["k"], after["pooled"], after["left_out"]) == (before["k"], before["pooled"], before["left_out"])


def assert_refuses_to_run(analysis, *expected: str) -> None:
    """The analysis will not run, and its message names each expected tampered study."""
    from analysis.services import TAMPERED_DATA, analysis_run
    from extraction.selectors import locked_consensus

    tampered = locked_consensus(analysis.review).tampered
    assert sorted(str(t) for t in tampered) == sorted(expected)
    pooled = [str(t) for t in tampered if t.kind == "extraction"]  # what analysis reads
    with pytest.raises(ValidationError) as exc:
        analysis_run(analysis=analysis)
    assert exc.value.messages == [TAMPERED_DATA.format(studies="; ".join(pooled))]


@contextmanager
def superuser():
    """A database superuser's powers: the lock triggers dropped for the body, then restored."""
    lock_triggers.execute(connection, lock_triggers.drop(connection.vendor))
    try:
        yield connection.cursor()
    finally:
        lock_triggers.execute(connection, lock_triggers.create(connection.vendor))


def json_param() -> str:
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def recomputed_fingerprint(consensus, data: dict) -> str:
    from extraction.fingerprint import consensus_payload, fingerprint

    return fingerprint(consensus_payload(study_id=consensus.study_id, kind=consensus.kind,
                                         form_version=consensus.form_version.number, instrument=consensus.instrument,
                                         data=data))


def altered(consensus) -> dict:
    """The consensus data with the vaccinated arm's cases halved: a better-looking vaccine."""
    return {**consensus.data, "tb.events@BCG": str(max(1, int(consensus.data["tb.events@BCG"]) // 2))}


def dumps(value) -> str:
    return json.dumps(value)
