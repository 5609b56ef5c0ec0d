"""The one sanctioned way past the integrity triggers: wiping a whole database.

The triggers that keep locked data and the audit log unchangeable also refuse DELETE and
TRUNCATE, which is what the test runner's ``flush`` does between transactional tests. They
let a statement through only while ``concord_maintenance`` holds a row. That table is not a
Django model, so ``flush`` and ``sql_flush`` never list it and never empty it half-way.

Nothing in the application opens maintenance. Anyone who can write raw SQL can, just as they
could drop a trigger; what they change is then caught afterwards by the audit chain and the
lock ledger (README, "What the guarantees are, and their limits").
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

TABLE = "concord_maintenance"
# SQL condition for trigger bodies: true only while maintenance is open.
IS_OPEN = f"EXISTS (SELECT 1 FROM {TABLE})"

CREATE = f"CREATE TABLE IF NOT EXISTS {TABLE} (reason VARCHAR(200) NOT NULL)"
DROP = f"DROP TABLE IF EXISTS {TABLE}"


@contextmanager
def maintenance(reason: str, *, using: str = "default"):
    """Open maintenance for the body of the ``with`` (the test runner's flush)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {TABLE} (reason) VALUES (%s)", [reason[:200]])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")
