from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_delete, pre_migrate

MIGRATION_SUFFIX = "lock_every_path"


def _suspend_sqlite_triggers(sender, using, **kwargs):
    """SQLite rebuilds a table to alter it and refuses while another table's trigger names it;
    the lock triggers step aside for the length of ``migrate`` and come back after it."""
    from django.db import connections

    from extraction import lock_triggers

    connection = connections[using]
    if connection.vendor == "sqlite":
        lock_triggers.execute(connection, lock_triggers.sqlite_drop())


def _restore_sqlite_triggers(sender, using, **kwargs):
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from extraction import lock_triggers

    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    if any(app == "extraction" and name.endswith(MIGRATION_SUFFIX) for app, name in applied):
        lock_triggers.execute(connection, [lock_triggers.INDEX_CREATE, *lock_triggers.sqlite_create()])


class ExtractionConfig(AppConfig):
    name = "extraction"
    verbose_name = "Data extraction and quality appraisal"

    def ready(self):
        from extraction.blinding import ExtractionWork
        from review.blinding import register_work_source

        register_work_source(ExtractionWork())
        from extraction import home
        from review import home as review_home

        review_home.register(todos=home.todos, steps=home.steps)
        from extraction import lock_guards
        from extraction.models import Consensus, Discrepancy, FormVersion
        from review import study_locks
        from review.models import Record, Review, Study

        study_locks.register("extraction.consensus", lock_guards.reports_frozen,
                             review_guard=lock_guards.deletion_refused)
        pre_migrate.connect(_suspend_sqlite_triggers, sender=self, dispatch_uid="extraction_lock_suspend")
        post_migrate.connect(_restore_sqlite_triggers, sender=self, dispatch_uid="extraction_lock_restore")
        for model, guard in [(Review, lock_guards.review_deleted), (Study, lock_guards.study_deleted),
                             (Record, lock_guards.record_deleted), (Consensus, lock_guards.consensus_deleted),
                             (Discrepancy, lock_guards.discrepancy_deleted),
                             (FormVersion, lock_guards.form_version_deleted)]:
            pre_delete.connect(guard, sender=model, dispatch_uid=f"extraction_lock_{model.__name__}")
