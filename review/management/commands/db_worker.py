"""django_tasks_db's worker, plus the recovery of imports whose worker died.

It sweeps once when it starts (a worker restarted after a crash frees what the crash left
running) and then every half lease from a side thread, even while it is busy or idle.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands import db_worker

from review.import_jobs import imports_recover

logger = logging.getLogger(__name__)


def _sweep_forever(interval: float) -> None:
    while True:
        time.sleep(interval)
        try:
            imports_recover()
        except Exception:  # a sweep that fails must not stop the next one
            logger.exception("import recovery sweep failed")
        finally:
            connections.close_all()


class Command(db_worker.Command):
    help = db_worker.Command.help + ", and recover imports whose worker stopped"

    def handle(self, *args, **options):
        imports_recover()
        connections.close_all()
        interval = max(settings.CONCORD_IMPORT_LEASE_SECONDS / 2, 0.5)
        threading.Thread(target=_sweep_forever, args=(interval,), name="import-recovery", daemon=True).start()
        return super().handle(*args, **options)
