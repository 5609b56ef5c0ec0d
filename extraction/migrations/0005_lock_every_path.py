"""The lock on every path: a locked consensus changes only by an unlock the lock ledger records.

Replaces 0002's consensus trigger (which let the status change freely) with the triggers of
``extraction.lock_triggers``: unlock and lock need their ledger event, and locked data, its
discrepancies, form version, study and reports can no longer be deleted or re-pointed.
"""

from django.db import migrations

from extraction import lock_triggers

# 0002's consensus trigger, put back when this migration is reversed.
PROTECTED = ("data", "study_id", "kind", "form_version_id", "instrument", "fingerprint")
PREVIOUS = {
    "sqlite": [
        f"""CREATE TRIGGER extraction_consensus_locked BEFORE UPDATE ON extraction_consensus
        FOR EACH ROW WHEN OLD.status = 'locked' AND ({" OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in PROTECTED)})
        BEGIN SELECT RAISE(ABORT, 'consensus is locked'); END""",
    ],
    "postgresql": [
        """CREATE TRIGGER extraction_consensus_locked BEFORE UPDATE ON extraction_consensus
        FOR EACH ROW EXECUTE FUNCTION extraction_consensus_refuse_locked()""",
    ],
}


def create_triggers(apps, schema_editor):
    lock_triggers.execute(schema_editor.connection, lock_triggers.create(schema_editor.connection.vendor))


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    lock_triggers.execute(
        schema_editor.connection,
        [*lock_triggers.drop(vendor), lock_triggers.INDEX_DROP, *PREVIOUS.get(vendor, [])]
        if vendor in PREVIOUS else [],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("extraction", "0004_edit_versions"),
        ("review", "0013_audit_chain"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
