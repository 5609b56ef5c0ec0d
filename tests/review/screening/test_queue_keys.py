"""The queue's sort keys on stage rows: one helper computes them, every way a row is made sets
them, and the migration fills them in for rows that predate it."""

from importlib import import_module
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from review.models import Record, RecordStage
from review.models.screening import TITLE_KEY_LENGTH, YEAR_KEY_MISSING, Stage, StageStatus
from review.screening.services import queue_keys, shuffle_key, stages_sync

pytestmark = pytest.mark.django_db
FILES = Path(__file__).resolve().parents[1] / "files"
KEYS = ("shuffle", "year_key", "title_key")


def _assert_keyed(rows):
    rows = list(rows.select_related("record"))
    assert rows
    for row in rows:
        assert {k: getattr(row, k) for k in KEYS} == queue_keys(row.record_id, row.record.year, row.record.title)


def test_year_key_sorts_newest_first_and_undated_records_last():
    keys = [queue_keys(1, year, "")["year_key"] for year in (1999, None, 2024, 0)]
    assert sorted(keys) == [-2024, -1999, 0, YEAR_KEY_MISSING]


def test_title_key_ignores_case_runs_of_spaces_and_a_leading_bracket():
    assert queue_keys(1, None, "  The\tEffect  of\nIVIg ")["title_key"] == "the effect of ivig"
    assert queue_keys(1, None, "[Straße in «Köln»]")["title_key"] == "strasse in «köln»]"
    assert queue_keys(1, None, "")["title_key"] == ""
    assert queue_keys(1, None, "Word  " * 100)["title_key"] == ("word " * 40).rstrip()
    assert len(queue_keys(1, None, "x" * 500)["title_key"]) == TITLE_KEY_LENGTH


def test_shuffle_is_the_records_fixed_key():
    assert queue_keys(42, 2001, "A")["shuffle"] == shuffle_key(42)


def test_an_import_gives_its_records_keyed_rows(team, source):
    from review.services.imports import import_records

    data = (FILES / "three.ris").read_bytes()
    import_records(review=team.review, source=source, filename="three.ris", data=data, actor=team.lead)
    assert RecordStage.objects.filter(review=team.review).count() == 3  # synced after de-duplication
    _assert_keyed(RecordStage.objects.filter(review=team.review))


def test_the_queue_sync_gives_new_records_keyed_rows(team, make_records):
    make_records(3, titles=["B trial", "  a  TRIAL", ""])
    assert stages_sync(review=team.review) == 3
    _assert_keyed(RecordStage.objects.filter(review=team.review))


def test_a_first_vote_and_an_advance_make_keyed_rows(team, make_records, at_full_text):
    record = make_records(1, titles=["  Intravenous IMMUNOGLOBULIN in myositis"])[0]
    at_full_text(record)  # the first vote makes its title/abstract row, the last one its full-text row
    rows = RecordStage.objects.filter(record=record)
    assert set(rows.values_list("stage", flat=True)) == {Stage.TITLE_ABSTRACT, Stage.FULL_TEXT}
    _assert_keyed(rows)


def test_sqlite_counts_awaiting_rows_through_the_votes_index(team):
    # Between indexes that fit equally well SQLite takes the newest; through a key index this
    # count would visit the table in key order (see RecordStage.Meta.indexes).
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's choice of index")
    merged = Record.objects.filter(review=team.review, duplicate_of__isnull=False).values("id")
    rows = RecordStage.objects.filter(
        review=team.review, stage=Stage.TITLE_ABSTRACT, status=StageStatus.AWAITING, record_id__in=merged
    )
    assert "record_stage_status_votes" in rows.explain()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_in_the_keys_of_existing_rows_in_batches(team, make_records, vote, monkeypatch):
    records = make_records(7, titles=["Beta", "  alpha  TRIAL", "[Gamma]", "", "delta", "Alpha trial", "b"])
    Record.objects.filter(pk=records[2].pk).update(year=None)
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")  # advanced: it has a full-text row too
    stages_sync(review=team.review)
    migration = import_module("review.migrations.0005_record_stage_year_and_title_keys")
    monkeypatch.setattr(migration, "BATCH", 3)
    try:
        MigrationExecutor(connection).migrate([("review", "0004_record_stage_shuffle_key")])
        MigrationExecutor(connection).migrate([("review", "0005_record_stage_year_and_title_keys")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    rows = RecordStage.objects.filter(review=team.review)
    assert rows.count() == 8
    _assert_keyed(rows)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_existing_votes_their_review(team, make_records, vote):
    from review.models import ScreeningDecision

    records = make_records(3)
    vote(records[0], team.rev1, "include")
    vote(records[1], team.rev2, "exclude")
    try:
        MigrationExecutor(connection).migrate([("review", "0006_decision_covering_index")])
        MigrationExecutor(connection).migrate([("review", "0008_decision_review_required")])
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    decisions = ScreeningDecision.objects.all()
    assert decisions.count() == 2
    assert all(d.review_id == team.review.pk for d in decisions)
