"""Every integrity trigger exists after ``migrate``, on each backend.

SQLite drops a table's triggers when a migration rebuilds the table (any AddField or
AlterField does), silently; the lock triggers step aside and come back around ``migrate``
(extraction/apps.py), the audit triggers are made after the columns they guard. A later
migration that rebuilds a guarded table without restoring its triggers fails here."""

import pytest
from django.db import connection

LOCK = {
    "extraction_consensus": {"extraction_consensus_lock", "extraction_consensus_locked_delete",
                             "extraction_consensus_locked_insert", "extraction_consensus_locked_update"},
    "extraction_discrepancy": {"extraction_discrepancy_locked_delete"},
    "extraction_extraction": {"extraction_extraction_submitted"},
    "extraction_formversion": {"extraction_formversion_locked_delete", "extraction_formversion_locked_update"},
    "review_record": {"review_record_locked_delete", "review_record_locked_update"},
    "review_recordstage": {"review_recordstage_locked_delete", "review_recordstage_locked_update"},
    "review_study": {"review_study_locked_delete", "review_study_locked_update"},
}
EXPECTED = {
    "sqlite": {
        **LOCK,
        "extraction_discrepancy": LOCK["extraction_discrepancy"]
        | {"extraction_discrepancy_locked_insert", "extraction_discrepancy_locked_update"},
        "review_auditevent": {"review_auditevent_no_delete", "review_auditevent_no_update"},
        "review_auditchainhead": {"review_auditchainhead_forward", "review_auditchainhead_new",
                                  "review_auditchainhead_no_delete"},
    },
    "postgresql": {
        **{table: names | {f"{table}_locked_truncate"} for table, names in LOCK.items() if table != "extraction_extraction"},
        "extraction_extraction": LOCK["extraction_extraction"],
        "extraction_discrepancy": LOCK["extraction_discrepancy"]
        | {"extraction_discrepancy_locked", "extraction_discrepancy_locked_truncate"},
        "review_auditevent": {"review_auditevent_append_only", "review_auditevent_no_truncate"},
        "review_auditchainhead": {"review_auditchainhead_forward", "review_auditchainhead_no_truncate"},
    },
}


def _triggers() -> dict[str, set[str]]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal")
        found: dict[str, set[str]] = {}
        for table, name in cursor.fetchall():
            found.setdefault(table, set()).add(name)
    return found


@pytest.mark.django_db
def test_every_integrity_trigger_is_in_place_after_migrate():
    expected = EXPECTED[connection.vendor]
    found = _triggers()
    missing = {table: names - found.get(table, set()) for table, names in expected.items()}
    assert not {t: n for t, n in missing.items() if n}, "triggers missing after migrate"
