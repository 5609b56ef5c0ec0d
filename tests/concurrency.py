"""Helpers for tests that race real threads against the database."""

import os
import threading

import pytest
from django.db import connection, connections


def skip_on_memory_sqlite():
    if connection.vendor == "sqlite" and not os.environ.get("SQLITE_TEST_PATH"):
        pytest.skip(
            "in-memory SQLite cannot make threads wait for a lock: set SQLITE_TEST_PATH or DATABASE_URL"
        )


def race(calls):
    """Start every call at the same moment, each in its own thread; return what they raised."""
    barrier = threading.Barrier(len(calls))
    errors = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            call()
        except Exception as exc:  # collected and asserted on in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors
