"""The audit log's hash chain: appending 100,000 events in one batch, then verifying the chain.

Run from the repository root (SQLite by default, PostgreSQL with ``--database-url``):

    .venv/bin/python bench/bench_audit.py
    .venv/bin/python bench/bench_audit.py --database-url postgres://postgres@127.0.0.1:5432/concord_bench_audit

A large import merges thousands of duplicates, one ``duplicate.merged`` event each
(``audit_many``); the lead's audit page and ``manage.py audit_verify`` recompute the chain.
Each run appends to a review of its own; the events stay (they cannot be deleted), so point
``--database-url`` at a scratch database.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._common import machine, median  # noqa: E402
from bench.bench_screening import setup  # noqa: E402


def measure(n_events: int, runs: int) -> tuple[list[float], list[float]]:
    from django.core.management import call_command

    from review.audit_chain import audit_chain_verify
    from review.models import Review
    from review.services.audit import audit_many

    call_command("migrate", verbosity=0, interactive=False)
    appends, verifies = [], []
    for run in range(runs):
        review = Review.objects.create(title=f"Audit bench {run}", slug=f"audit-bench-{run}-{time.time_ns()}")
        events = [
            {"action": "duplicate.merged", "review": review, "old": {"record": i}, "new": {"into": i + 1},
             "reason": "same DOI, titles 99% alike"}
            for i in range(n_events)
        ]
        start = time.perf_counter()
        audit_many(events)
        appends.append(time.perf_counter() - start)
        start = time.perf_counter()
        verdict = audit_chain_verify(review)
        verifies.append(time.perf_counter() - start)
        assert verdict.intact and verdict.count == n_events, verdict
    return appends, verifies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup(args.database_url)
    from django.db import connection

    appends, verifies = measure(args.events, args.runs)
    print(f"Machine: {machine()}; database: {connection.vendor}. {args.events:,} events in one "
          f"`audit_many` batch, then `audit_chain_verify`; median of {args.runs} runs.\n")
    print("| Measure | Median (s) | Runs (s) |")
    print("|---|---:|---|")
    for name, values in (("Append (chain and insert)", appends), ("Verify the chain", verifies)):
        print(f"| {name} | {median(values):.2f} | {', '.join(f'{v:.2f}' for v in values)} |")


if __name__ == "__main__":
    main()
