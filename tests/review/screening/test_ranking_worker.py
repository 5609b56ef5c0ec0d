"""The ranking is retrained by a real `manage.py db_worker` process, from the task a settled vote queues.

The worker shares the test database (PostgreSQL's, or a SQLite file), so these tests are
transactional; on the in-memory SQLite of a plain run the first test runs this module again
in a child pytest on a SQLite file, as tests/integrity/test_worker_recovery.py does.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from review.models import RankingRun, RelevanceScore

REPO_ROOT = Path(__file__).resolve().parents[3]


def _memory_sqlite() -> bool:
    return connection.vendor == "sqlite" and not os.environ.get("SQLITE_TEST_PATH")


def _worker_env() -> dict:
    from django.conf import settings

    db = connection.settings_dict
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="concord.settings", DEBUG="0",
               SECRET_KEY="ranking-worker-test-secret-key-0123456789-abcdefghijklmnop",
               MEDIA_ROOT=str(settings.MEDIA_ROOT), TASKS_BACKEND="django_tasks_db.DatabaseBackend")
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(db["NAME"])
    else:
        env["DATABASE_URL"] = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return env


def test_on_a_sqlite_file_when_the_database_is_in_memory(tmp_path):
    if not _memory_sqlite():
        pytest.skip("the database is shared with the worker process already; the test below runs here")
    env = dict(os.environ, SQLITE_TEST_PATH=str(tmp_path / "ranking-worker.sqlite3"))
    child = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "worker_retrains"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=170,
    )
    assert child.returncode == 0, child.stdout[-4000:] + child.stderr[-2000:]
    assert "1 passed" in child.stdout, child.stdout[-2000:]


@pytest.mark.skipif("_memory_sqlite()", reason="the worker needs a shared database; see the test above")
@pytest.mark.django_db(transaction=True)
def test_the_worker_retrains_when_the_first_include_and_exclude_are_settled(team, make_records, vote, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    records = make_records(12)
    vote(records[0], team.rev1, "include")
    vote(records[0], team.rev2, "include")
    assert DBTaskResult.objects.count() == 0  # one outcome only: nothing to learn yet
    vote(records[1], team.rev1, "exclude")
    vote(records[1], team.rev2, "exclude")
    assert DBTaskResult.objects.count() == 1
    assert not RankingRun.objects.exists()
    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--batch",
         "--interval", "0.2", "--verbosity", "0"],
        cwd=REPO_ROOT, env=_worker_env(), capture_output=True, text=True, timeout=120,
    )
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert list(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"]
    runs = RankingRun.objects.filter(ready=True)
    assert sorted(runs.values_list("reviewer__username", flat=True)) == ["rosa_reviewer", "rui_reviewer"]
    assert {run.training_size for run in runs} == {2}
    assert RelevanceScore.objects.count() == 2 * 10
