"""A submitted extraction is the evidence behind the consensus (and behind the agreement
statistics): the database refuses any change of its values, its owner or its status."""

from django.db import migrations

PROTECTED = ("data", "status", "user_id", "study_id", "kind", "slot", "form_version_id", "instrument")

SQLITE = [
    f"""CREATE TRIGGER extraction_extraction_submitted BEFORE UPDATE ON extraction_extraction
    FOR EACH ROW WHEN OLD.status = 'submitted' AND ({" OR ".join(f'NEW."{c}" IS NOT OLD."{c}"' for c in PROTECTED)})
    BEGIN SELECT RAISE(ABORT, 'extraction is submitted'); END""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS extraction_extraction_submitted"]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION extraction_extraction_refuse_submitted() RETURNS trigger AS $$
    BEGIN
      IF OLD.status = 'submitted' AND ({" OR ".join(f'NEW."{c}" IS DISTINCT FROM OLD."{c}"' for c in PROTECTED)}) THEN
        RAISE EXCEPTION 'extraction is submitted';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER extraction_extraction_submitted BEFORE UPDATE ON extraction_extraction
    FOR EACH ROW EXECUTE FUNCTION extraction_extraction_refuse_submitted()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS extraction_extraction_submitted ON extraction_extraction",
    "DROP FUNCTION IF EXISTS extraction_extraction_refuse_submitted()",
]

STATEMENTS = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRES, POSTGRES_REVERSE)}


def _run(schema_editor, index):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(sql)


def create_trigger(apps, schema_editor):
    _run(schema_editor, 0)


def drop_trigger(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("extraction", "0002_lock_triggers")]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
