"""Database triggers behind the consensus lock, so that even raw SQL cannot change locked data.

Only UPDATE and INSERT are guarded: deleting a whole review (a cascade) and the test runner's
flush still work, while every edit of a locked row is refused by the database itself.
"""

from django.db import migrations

PROTECTED = ("data", "study_id", "kind", "form_version_id", "instrument", "fingerprint")

SQLITE = [
    f"""CREATE TRIGGER extraction_consensus_locked BEFORE UPDATE ON extraction_consensus
    FOR EACH ROW WHEN OLD.status = 'locked' AND ({" OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in PROTECTED)})
    BEGIN SELECT RAISE(ABORT, 'consensus is locked'); END""",
    """CREATE TRIGGER extraction_discrepancy_locked_update BEFORE UPDATE ON extraction_discrepancy
    FOR EACH ROW WHEN (SELECT status FROM extraction_consensus WHERE id = OLD.consensus_id) = 'locked'
    OR (SELECT status FROM extraction_consensus WHERE id = NEW.consensus_id) = 'locked'
    BEGIN SELECT RAISE(ABORT, 'consensus is locked'); END""",
    """CREATE TRIGGER extraction_discrepancy_locked_insert BEFORE INSERT ON extraction_discrepancy
    FOR EACH ROW WHEN (SELECT status FROM extraction_consensus WHERE id = NEW.consensus_id) = 'locked'
    BEGIN SELECT RAISE(ABORT, 'consensus is locked'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS extraction_consensus_locked",
    "DROP TRIGGER IF EXISTS extraction_discrepancy_locked_update",
    "DROP TRIGGER IF EXISTS extraction_discrepancy_locked_insert",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION extraction_consensus_refuse_locked() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'locked' AND ({" OR ".join(f'NEW."{c}" IS DISTINCT FROM OLD."{c}"' for c in PROTECTED)}) THEN
        RAISE EXCEPTION 'consensus is locked';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER extraction_consensus_locked BEFORE UPDATE ON extraction_consensus
    FOR EACH ROW EXECUTE FUNCTION extraction_consensus_refuse_locked()""",
    """CREATE OR REPLACE FUNCTION extraction_discrepancy_refuse_locked() RETURNS trigger AS $$
    BEGIN
      IF (SELECT status FROM extraction_consensus WHERE id = NEW.consensus_id) = 'locked'
         OR (TG_OP = 'UPDATE' AND (SELECT status FROM extraction_consensus WHERE id = OLD.consensus_id) = 'locked') THEN
        RAISE EXCEPTION 'consensus is locked';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER extraction_discrepancy_locked BEFORE INSERT OR UPDATE ON extraction_discrepancy
    FOR EACH ROW EXECUTE FUNCTION extraction_discrepancy_refuse_locked()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS extraction_discrepancy_locked ON extraction_discrepancy",
    "DROP FUNCTION IF EXISTS extraction_discrepancy_refuse_locked()",
    "DROP TRIGGER IF EXISTS extraction_consensus_locked ON extraction_consensus",
    "DROP FUNCTION IF EXISTS extraction_consensus_refuse_locked()",
]

STATEMENTS = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRES, POSTGRES_REVERSE)}


def _run(schema_editor, index):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(sql)


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("extraction", "0001_forms_extractions_consensus")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
