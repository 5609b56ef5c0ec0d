"""The audit log's hash chain (review/audit_chain.py) and the triggers that make it append-only.

Existing events are chained in id order, one chain per review and one global chain. The
triggers refuse UPDATE and DELETE of audit events (and TRUNCATE on PostgreSQL) unless
maintenance is open (review/maintenance.py); the chain heads only move forward.
"""

from django.db import migrations, models

from review.audit_chain import GENESIS, event_hash
from review.maintenance import IS_OPEN

EVENT_REFUSED = "audit events are append-only"
HEAD_REFUSED = "an audit chain head only moves forward"

# The head may only move to an event of its own chain whose position is the new count
# (COALESCE: a missing event must refuse, not make the condition NULL).
HEAD_FORWARD = (
    "NEW.chain = OLD.chain AND NEW.count > OLD.count AND NEW.last_hash = COALESCE("
    "(SELECT hash FROM review_auditevent WHERE id = NEW.last_event_id AND seq = NEW.count "
    "AND COALESCE(review_id, 0) = NEW.chain), '')"
)
HEAD_NEW = f"NEW.count = 0 AND NEW.last_hash = '{GENESIS}'"

SQLITE = [
    f"""CREATE TRIGGER review_auditevent_no_update BEFORE UPDATE ON review_auditevent
    FOR EACH ROW WHEN NOT {IS_OPEN} BEGIN SELECT RAISE(ABORT, '{EVENT_REFUSED}'); END""",
    f"""CREATE TRIGGER review_auditevent_no_delete BEFORE DELETE ON review_auditevent
    FOR EACH ROW WHEN NOT {IS_OPEN} BEGIN SELECT RAISE(ABORT, '{EVENT_REFUSED}'); END""",
    f"""CREATE TRIGGER review_auditchainhead_forward BEFORE UPDATE ON review_auditchainhead
    FOR EACH ROW WHEN NOT {IS_OPEN} AND NOT ({HEAD_FORWARD})
    BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}'); END""",
    f"""CREATE TRIGGER review_auditchainhead_new BEFORE INSERT ON review_auditchainhead
    FOR EACH ROW WHEN NOT {IS_OPEN} AND NOT ({HEAD_NEW})
    BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}'); END""",
    f"""CREATE TRIGGER review_auditchainhead_no_delete BEFORE DELETE ON review_auditchainhead
    FOR EACH ROW WHEN NOT {IS_OPEN} BEGIN SELECT RAISE(ABORT, '{HEAD_REFUSED}'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS review_auditevent_no_update",
    "DROP TRIGGER IF EXISTS review_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS review_auditchainhead_forward",
    "DROP TRIGGER IF EXISTS review_auditchainhead_new",
    "DROP TRIGGER IF EXISTS review_auditchainhead_no_delete",
]

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION review_auditevent_refuse() RETURNS trigger AS $$
    BEGIN
      IF {IS_OPEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '{EVENT_REFUSED}';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER review_auditevent_append_only BEFORE UPDATE OR DELETE ON review_auditevent
    FOR EACH ROW EXECUTE FUNCTION review_auditevent_refuse()""",
    """CREATE TRIGGER review_auditevent_no_truncate BEFORE TRUNCATE ON review_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION review_auditevent_refuse()""",
    f"""CREATE OR REPLACE FUNCTION review_auditchainhead_refuse() RETURNS trigger AS $$
    BEGIN
      IF {IS_OPEN} THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
      END IF;
      IF TG_OP = 'UPDATE' AND ({HEAD_FORWARD}) THEN RETURN NEW; END IF;
      IF TG_OP = 'INSERT' AND ({HEAD_NEW}) THEN RETURN NEW; END IF;
      RAISE EXCEPTION '{HEAD_REFUSED}';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER review_auditchainhead_forward BEFORE INSERT OR UPDATE OR DELETE ON review_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION review_auditchainhead_refuse()""",
    """CREATE TRIGGER review_auditchainhead_no_truncate BEFORE TRUNCATE ON review_auditchainhead
    FOR EACH STATEMENT EXECUTE FUNCTION review_auditchainhead_refuse()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS review_auditchainhead_no_truncate ON review_auditchainhead",
    "DROP TRIGGER IF EXISTS review_auditchainhead_forward ON review_auditchainhead",
    "DROP FUNCTION IF EXISTS review_auditchainhead_refuse()",
    "DROP TRIGGER IF EXISTS review_auditevent_no_truncate ON review_auditevent",
    "DROP TRIGGER IF EXISTS review_auditevent_append_only ON review_auditevent",
    "DROP FUNCTION IF EXISTS review_auditevent_refuse()",
]

STATEMENTS = {"sqlite": (SQLITE, SQLITE_REVERSE), "postgresql": (POSTGRES, POSTGRES_REVERSE)}


def _run(schema_editor, index):
    for sql in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[index]:
        schema_editor.execute(sql)


def chain_existing(apps, schema_editor):
    """Chain the events written before the chain existed, in id order."""
    AuditEvent = apps.get_model("review", "AuditEvent")
    AuditChainHead = apps.get_model("review", "AuditChainHead")
    tips = {}
    batch = []
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        key = event.review_id or 0
        count, last_hash, _ = tips.get(key, (0, GENESIS, None))
        event.seq = count + 1
        event.prev_hash = last_hash
        event.hash = event_hash(event)
        tips[key] = (event.seq, event.hash, event.id)
        batch.append(event)
        if len(batch) >= 1000:
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            batch = []
    AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
    AuditChainHead.objects.bulk_create(
        AuditChainHead(chain=key, count=count, last_hash=last_hash, last_event_id=last_id)
        for key, (count, last_hash, last_id) in tips.items()
    )


def unchain(apps, schema_editor):
    """The columns and the head table go with the schema operations; nothing else to undo."""


def create_triggers(apps, schema_editor):
    _run(schema_editor, 0)


def drop_triggers(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("review", "0012_import_jobs_worker")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="seq",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="auditevent", name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditevent", name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterModelOptions(
            name="auditevent", options={"base_manager_name": "objects", "ordering": ["-at", "-id"]},
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("chain", models.BigIntegerField(unique=True)),
                ("count", models.PositiveBigIntegerField(default=0)),
                ("last_hash", models.CharField(max_length=64)),
                ("last_event_id", models.BigIntegerField(null=True)),
            ],
            options={"base_manager_name": "objects"},
        ),
        migrations.RunPython(chain_existing, unchain),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
