"""The other paths to locked data: a locked study's reports, and the stored analysis runs."""

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils.html import escape

from analysis.collect import NO_LONGER_INCLUDED
from analysis.models import AnalysisRun
from analysis.run_integrity import run_integrity
from analysis.selectors import analysis_status
from extraction.lock_guards import REPORTS_LOCKED
from extraction.models import Consensus, LockedError
from extraction.models.consensus import HOLDS_LOCKED
from review.models import Record, RecordImport
from review.models.screening import RecordStage, Stage

from . import lock_helpers
from .lock_helpers import assert_unchanged, pooled_now, superuser

# The shared fixture, by assignment (an import would read as unused to the linter).
bcg = lock_helpers.bcg

pytestmark = pytest.mark.django_db
LABEL = "Report-backed trial"


@pytest.fixture
def reported(team, source, bcg):
    """A 14th locked trial whose data come from a report included at full text."""
    from analysis import demo
    from extraction.services.assignments import assignment_set
    from review.screening.services import decision_record, fulltext_attach, study_link

    record_import = RecordImport.objects.create(review=team.review, source=source, filename="t.ris",
                                                sha256="1" * 64, status="done")
    record = Record.objects.create(review=team.review, record_import=record_import, source=source, position=1,
                                   title="A trial of BCG vaccine", year=1950)
    for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT):
        if stage == Stage.FULL_TEXT:
            fulltext_attach(record=record, actor=team.lead, url="https://example.org/trial.pdf", version=0)
        for reviewer in (team.rev1, team.rev2):
            decision_record(review=team.review, record=record, stage=stage, reviewer=reviewer, vote="include")
    study = study_link(record=record, actor=team.lead, label=LABEL, expected_version=None)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    values = demo.values_of(demo.trials()[0])
    demo._enter(study, team.rev1, values)
    demo._enter(study, team.rev2, values)
    demo._settle_and_lock(study, "extraction", team.lead)
    record.refresh_from_db()
    return record


def _full_text_row(record):
    return RecordStage.objects.get(record=record, stage=Stage.FULL_TEXT)


def _refused_by_database(sql, params=()):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_sending_back_a_locked_studys_report_is_refused(team, bcg, reported):
    from review.screening.services import record_send_back

    before = pooled_now(bcg)
    assert before["k"] == 14
    message = REPORTS_LOCKED.format(study=LABEL, kind="extraction")
    with pytest.raises(ValidationError) as exc:
        record_send_back(record_stage=_full_text_row(reported), actor=team.lead, reason="re-screen")
    assert exc.value.messages == [message]
    assert escape(message) in _send_back_page(team, reported)
    _refused_by_database("UPDATE review_recordstage SET status = 'awaiting' WHERE id = %s",
                         [_full_text_row(reported).pk])
    _refused_by_database("DELETE FROM review_recordstage WHERE id = %s", [_full_text_row(reported).pk])
    assert_unchanged(bcg, before)


def _send_back_page(team, record):
    from django.test import Client

    client = Client()
    client.force_login(team.lead)
    row = _full_text_row(record)
    response = client.post(f"/reviews/{team.review.slug}/record-stages/{row.pk}/send-back/",
                           {"reason": "re-screen"}, follow=True)
    return response.content.decode()


def test_a_locked_studys_report_cannot_move_or_go(team, bcg, reported):
    from review.models import Study
    from review.screening.services import study_link

    before = pooled_now(bcg)
    other = Study.objects.filter(review=team.review).exclude(pk=reported.study_id).first()
    with pytest.raises(ValidationError) as exc:
        study_link(record=reported, actor=team.lead, study=other, expected_version=None)
    assert exc.value.messages == [REPORTS_LOCKED.format(study=LABEL, kind="extraction")]
    with pytest.raises(LockedError) as exc, transaction.atomic():
        reported.delete()
    assert str(exc.value) == HOLDS_LOCKED.format(study=LABEL, kind="extraction")
    _refused_by_database("UPDATE review_record SET study_id = NULL WHERE id = %s", [reported.pk])
    _refused_by_database("DELETE FROM review_record WHERE id = %s", [reported.pk])
    assert_unchanged(bcg, before)


def test_a_study_dropped_behind_the_triggers_is_listed_not_vanished(team, bcg, reported):
    with superuser() as cursor:
        cursor.execute("UPDATE review_recordstage SET status = 'awaiting' WHERE id = %s",
                       [_full_text_row(reported).pk])
    results = pooled_now(bcg)
    assert results["k"] == 13
    assert {"study_id": reported.study_id, "label": LABEL, "reason": NO_LONGER_INCLUDED} in results["left_out"]


def test_after_an_unlock_the_report_can_be_sent_back(team, bcg, reported):
    from extraction.services.consensus import consensus_unlock
    from review.screening.services import record_send_back

    consensus = Consensus.objects.get(study_id=reported.study_id, kind="extraction")
    consensus_unlock(consensus=consensus, actor=team.lead, reason="The report is re-screened",
                     expected_version=consensus.version)
    record_send_back(record_stage=_full_text_row(reported), actor=team.lead, reason="re-screen")
    assert pooled_now(bcg)["k"] == 13


# Stored analysis runs -----------------------------------------------------------------------

def test_an_edited_run_shows_as_tampered_until_run_again(team, bcg, client_for):
    from analysis.services import analysis_run

    run = bcg.runs.latest()
    assert analysis_status(bcg).state == "current"
    edited = {**run.results, "pooled": {**run.results["pooled"], "estimate": 0.1}}
    AnalysisRun.objects.filter(pk=run.pk).update(results=edited)
    status = analysis_status(bcg)
    assert (status.state, status.stale) == ("tampered", True)
    page = client_for(team.lead).get(f"/reviews/{team.review.slug}/analysis/{bcg.pk}/").content.decode()
    assert "Tampered: the stored results or plots of this run" in page
    assert "tampered" in client_for(team.lead).get(f"/reviews/{team.review.slug}/analysis/").content.decode()
    analysis_run(analysis=bcg)
    assert analysis_status(bcg).state == "current"


def test_an_edit_that_recomputes_the_rows_fingerprint_is_caught_by_the_ledger(bcg):
    run = bcg.runs.latest()
    run.results = {**run.results, "pooled": {**run.results["pooled"], "estimate": 0.1}}
    AnalysisRun.objects.filter(pk=run.pk).update(results=run.results, integrity=run_integrity(run))
    assert analysis_status(bcg).state == "tampered"


def test_an_edited_plot_shows_as_tampered(bcg):
    from analysis import figures

    run = bcg.runs.latest()
    figures.cached_svg(run, "forest")
    assert analysis_status(bcg).state == "current"
    AnalysisRun.objects.filter(pk=run.pk).update(forest_svg="<svg>a better forest</svg>")
    assert analysis_status(bcg).state == "tampered"


def test_drawing_a_plot_never_blesses_an_edited_run(bcg):
    from analysis import figures

    run = bcg.runs.latest()
    assert run.forest_svg == ""  # the demo leaves plots to be drawn on first view
    edited = {**run.results, "pooled": {**run.results["pooled"], "estimate": 0.1}}
    AnalysisRun.objects.filter(pk=run.pk).update(results=edited)
    run.refresh_from_db()
    figures.cached_svg(run, "forest")
    assert analysis_status(bcg).state == "tampered"


def test_plots_drawn_on_first_view_keep_a_run_current(bcg):
    from analysis import figures
    from analysis.services import analysis_run

    run = analysis_run(analysis=bcg, with_figures=False)
    figures.cached_svg(run, "forest")
    figures.cached_svg(AnalysisRun.objects.get(pk=run.pk), "funnel")
    assert analysis_status(bcg).state == "current"


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_with_locked_data_still_flushes(team, bcg):
    # The flush after this test deletes locked consensus; it runs in maintenance
    # (tests/conftest.py), and this test fails at teardown if the triggers refused it.
    assert Consensus.objects.filter(status="locked").count() == 26
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM extraction_consensus")


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_triggers_step_aside_for_migrate_and_come_back(team):
    from extraction.apps import _restore_sqlite_triggers, _suspend_sqlite_triggers
    from extraction.lock_triggers import sqlite_drop

    def lock_triggers_present():
        names = [sql.rsplit(" ", 1)[-1] for sql in sqlite_drop()]
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
        return [name in present for name in names]

    assert all(lock_triggers_present())
    _suspend_sqlite_triggers(None, using="default")
    assert not any(lock_triggers_present())
    _restore_sqlite_triggers(None, using="default")
    assert all(lock_triggers_present())
