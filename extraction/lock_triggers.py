"""The database's half of the consensus lock: triggers that refuse every change of locked data.

A locked consensus changes only by the unlock transition, and only when the latest event of
the lock ledger for it (the audit log's lock and unlock events) is an unlock by a lead of the
review with a reason; a lock needs a lock event carrying the same fingerprint. The services
therefore write the event first and then the row, in one transaction. Deleting locked data,
its discrepancies, its form version, its study or the study's reports is refused, and so is
TRUNCATE on PostgreSQL. Every refusal lets the statement through while maintenance is open
(``review.maintenance``), which only the test runner's flush does.

SQLite drops a table's triggers when Django rebuilds the table in a migration, and refuses
to rebuild a table that another table's trigger names. ``apps.py`` therefore drops these
triggers before every ``migrate`` and creates them again afterwards (``suspend``/``restore``).
"""

from __future__ import annotations

KINDS = ("extraction", "appraisal")
OBJECT_TYPE = "extraction.consensus"
LOCK_ACTIONS = tuple(f"{kind}.consensus_locked" for kind in KINDS)
UNLOCK_ACTIONS = tuple(f"{kind}.consensus_unlocked" for kind in KINDS)
MESSAGE = "consensus is locked"

MAINTENANCE = "EXISTS (SELECT 1 FROM concord_maintenance)"
# Columns of a locked consensus that no transition may change.
FROZEN = ("id", "data", "study_id", "kind", "form_version_id", "instrument", "fingerprint", "agreed_keys",
          "created_at")
# Columns of a form version that a locked consensus relies on (created_by may go to NULL
# when its author's account is deleted).
FORM_FROZEN = ("id", "review_id", "number", "schema", "created_at")


def _quoted(actions) -> str:
    return ", ".join(f"'{a}'" for a in actions)


def _latest_event(consensus_id: str) -> str:
    return (
        "(SELECT e.id FROM review_auditevent e WHERE e.object_type = '" + OBJECT_TYPE + "'"
        f" AND e.object_id = CAST({consensus_id} AS TEXT)"
        f" AND e.action IN ({_quoted(LOCK_ACTIONS + UNLOCK_ACTIONS)}) ORDER BY e.id DESC LIMIT 1)"
    )


def _by_lead(study_id: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM review_membership m JOIN review_study s ON s.review_id = m.review_id"
        f" WHERE s.id = {study_id} AND m.user_id = e.actor_id AND m.is_lead AND m.removed_at IS NULL)"
    )


def _unlock_in_ledger(row: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM review_auditevent e WHERE e.id = {_latest_event(row + '.id')}"
        f" AND e.action IN ({_quoted(UNLOCK_ACTIONS)}) AND e.reason <> '' AND {_by_lead(row + '.study_id')})"
    )


def _lock_in_ledger(row: str, json_fingerprint: str) -> str:
    return (
        f"EXISTS (SELECT 1 FROM review_auditevent e WHERE e.id = {_latest_event(row + '.id')}"
        f" AND e.action IN ({_quoted(LOCK_ACTIONS)}) AND {json_fingerprint} = {row}.fingerprint"
        f" AND {_by_lead(row + '.study_id')})"
    )


def _holds_locked(study_id: str) -> str:
    return f"EXISTS (SELECT 1 FROM extraction_consensus c WHERE c.study_id = {study_id} AND c.status = 'locked')"


def _report_of_locked(record_id: str) -> str:
    return (
        "EXISTS (SELECT 1 FROM review_record r JOIN extraction_consensus c ON c.study_id = r.study_id"
        f" WHERE r.id = {record_id} AND c.status = 'locked')"
    )


def _same(columns, differ: str) -> str:
    return " AND ".join(f'NOT (NEW."{c}" {differ} OLD."{c}")' for c in columns)


def _changed(columns, differ: str) -> str:
    return " OR ".join(f'NEW."{c}" {differ} OLD."{c}"' for c in columns)


def _conditions(differ: str, json_fingerprint: str) -> dict[str, tuple[str, str, str]]:
    """name -> (table, event, condition under which the statement is refused)."""
    owner_gone = (f"NEW.status = 'locked' AND NEW.locked_by_id IS NULL AND "
                  f"{_same(('status', 'locked_at', 'version', *FROZEN), differ)}")
    unlock = f"NEW.status = 'open' AND {_same(FROZEN, differ)} AND {_unlock_in_ledger('OLD')}"
    lock = _lock_in_ledger("NEW", json_fingerprint.format(column="e.new_value"))
    included = "OLD.stage = 'full_text' AND OLD.status = 'included'"
    return {
        "extraction_consensus_locked_update": (
            "extraction_consensus", "UPDATE",
            f"OLD.status = 'locked' AND NOT ({owner_gone}) AND NOT ({unlock})"),
        "extraction_consensus_lock": (
            "extraction_consensus", "UPDATE",
            f"OLD.status <> 'locked' AND NEW.status = 'locked' AND NOT ({lock})"),
        "extraction_consensus_locked_insert": (
            "extraction_consensus", "INSERT", f"NEW.status = 'locked' AND NOT ({lock})"),
        "extraction_consensus_locked_delete": ("extraction_consensus", "DELETE", "OLD.status = 'locked'"),
        "extraction_discrepancy_locked_delete": (
            "extraction_discrepancy", "DELETE",
            "EXISTS (SELECT 1 FROM extraction_consensus c WHERE c.id = OLD.consensus_id AND c.status = 'locked')"),
        "extraction_formversion_locked_update": (
            "extraction_formversion", "UPDATE",
            f"({_changed(FORM_FROZEN, differ)}) AND EXISTS (SELECT 1 FROM extraction_consensus c"
            " WHERE c.form_version_id = OLD.id AND c.status = 'locked')"),
        "extraction_formversion_locked_delete": (
            "extraction_formversion", "DELETE",
            "EXISTS (SELECT 1 FROM extraction_consensus c WHERE c.form_version_id = OLD.id AND c.status = 'locked')"),
        "review_study_locked_update": (
            "review_study", "UPDATE", f"({_changed(('id', 'review_id'), differ)}) AND {_holds_locked('OLD.id')}"),
        "review_study_locked_delete": ("review_study", "DELETE", _holds_locked("OLD.id")),
        "review_record_locked_update": (
            "review_record", "UPDATE",
            f"(NEW.study_id {differ} OLD.study_id OR NEW.id {differ} OLD.id) AND "
            f"({_holds_locked('OLD.study_id')} OR {_holds_locked('NEW.study_id')})"),
        "review_record_locked_delete": ("review_record", "DELETE", _holds_locked("OLD.study_id")),
        "review_recordstage_locked_update": (
            "review_recordstage", "UPDATE",
            f"{included} AND ({_changed(('status', 'stage', 'record_id'), differ)}) AND "
            f"{_report_of_locked('OLD.record_id')}"),
        "review_recordstage_locked_delete": (
            "review_recordstage", "DELETE", f"{included} AND {_report_of_locked('OLD.record_id')}"),
    }


TRUNCATE_GUARDED = ("extraction_consensus", "extraction_discrepancy", "extraction_formversion", "review_study",
                    "review_record", "review_recordstage")


def sqlite_create() -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {event} ON {table} FOR EACH ROW"
        f" WHEN NOT {MAINTENANCE} AND ({condition})"
        f" BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for name, (table, event, condition) in _conditions("IS NOT", "json_extract({column}, '$.fingerprint')").items()
    ]


def sqlite_drop() -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {name}" for name in _conditions("IS NOT", "")]


def postgres_create() -> list[str]:
    statements = []
    for name, (table, event, condition) in _conditions("IS DISTINCT FROM", "({column} ->> 'fingerprint')").items():
        returned = "OLD" if event == "DELETE" else "NEW"
        statements += [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
            BEGIN
              IF NOT {MAINTENANCE} AND ({condition}) THEN
                RAISE EXCEPTION '{MESSAGE}';
              END IF;
              RETURN {returned};
            END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE TRIGGER {name} BEFORE {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    statements.append(
        f"""CREATE OR REPLACE FUNCTION extraction_refuse_truncate_locked() RETURNS trigger AS $$
        BEGIN
          IF NOT {MAINTENANCE} AND EXISTS (SELECT 1 FROM extraction_consensus WHERE status = 'locked') THEN
            RAISE EXCEPTION '{MESSAGE}';
          END IF;
          RETURN NULL;
        END $$ LANGUAGE plpgsql""")
    for table in TRUNCATE_GUARDED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_locked_truncate ON {table}",
            f"CREATE TRIGGER {table}_locked_truncate BEFORE TRUNCATE ON {table}"
            " FOR EACH STATEMENT EXECUTE FUNCTION extraction_refuse_truncate_locked()",
        ]
    return statements


def postgres_drop() -> list[str]:
    statements = []
    for table in TRUNCATE_GUARDED:
        statements.append(f"DROP TRIGGER IF EXISTS {table}_locked_truncate ON {table}")
    statements.append("DROP FUNCTION IF EXISTS extraction_refuse_truncate_locked()")
    for name, (table, _, _) in _conditions("IS DISTINCT FROM", "").items():
        statements += [f"DROP TRIGGER IF EXISTS {name} ON {table}", f"DROP FUNCTION IF EXISTS {name}()"]
    return statements


# The unlock transition of 0002's trigger lets status change freely; this module's triggers
# replace it. 0002's discrepancy triggers (UPDATE, INSERT) stay.
SUPERSEDED = {
    "sqlite": ["DROP TRIGGER IF EXISTS extraction_consensus_locked"],
    "postgresql": ["DROP TRIGGER IF EXISTS extraction_consensus_locked ON extraction_consensus"],
}
LEDGER_INDEX = "extraction_ledger_lookup"
INDEX_CREATE = (f"CREATE INDEX IF NOT EXISTS {LEDGER_INDEX} ON review_auditevent (object_type, object_id, id)")
INDEX_DROP = f"DROP INDEX IF EXISTS {LEDGER_INDEX}"


def create(vendor: str) -> list[str]:
    triggers = {"sqlite": sqlite_create, "postgresql": postgres_create}.get(vendor)
    return [*SUPERSEDED.get(vendor, []), INDEX_CREATE, *triggers()] if triggers else []


def drop(vendor: str) -> list[str]:
    triggers = {"sqlite": sqlite_drop, "postgresql": postgres_drop}.get(vendor)
    return triggers() if triggers else []


def execute(connection, statements) -> None:
    # No parameters: the trigger bodies hold literal '%' and '$' that a driver must not read.
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
