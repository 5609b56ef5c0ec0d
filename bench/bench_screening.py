"""Screening with 100,000 records in a review (issue 5).

Targets: serving the next record, saving a vote and undoing it each take at most 50 ms
median server time; the dashboard and the PRISMA counts at most 300 ms.

Run from the repository root (SQLite file by default, or PostgreSQL with --database-url):

    .venv/bin/python bench/bench_screening.py [--records 100000] [--database-url postgres://...]

The records are synthetic and live only in a throw-away database: benchmark load, not data.
A third of them get two title/abstract votes written in bulk (not through the services,
which are what the timed requests exercise), so the queue, dashboard and PRISMA queries
see a review in mid-screening.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        # The deployed SQLite configuration (WAL, synchronous=NORMAL, BEGIN IMMEDIATE), not a
        # bare DATABASE_URL, so commits cost what they cost in production.
        os.environ.pop("DATABASE_URL", None)
        os.environ["SQLITE_PATH"] = str(Path(tempfile.mkdtemp(prefix="concord-bench-screening-")) / "bench.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "concord.test_settings"
    import django

    django.setup()


def build(n_records: int):
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from review.models import Record, RecordImport, RecordStage, ScreeningDecision
    from review.screening.services import queue_keys
    from review.services.reviews import member_add, review_create, user_create
    from review.services.sources import source_create

    if connection.vendor == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    lead = user_create(username="bench_lead", password="bench-only-password-1")
    rev1 = user_create(username="bench_rev1", password="bench-only-password-1")
    rev2 = user_create(username="bench_rev2", password="bench-only-password-1")
    review = review_create(title="Benchmark (synthetic)", slug="bench", lead=lead,
                           inclusion_terms="immunoglobulin\nmyositis", exclusion_terms="mice\nrats")
    member_add(review=review, user=rev1, roles=["reviewer"], actor=lead)
    member_add(review=review, user=rev2, roles=["reviewer"], actor=lead)
    source = source_create(review=review, actor=lead, name="PubMed", kind="database")
    record_import = RecordImport.objects.create(review=review, source=source, filename="bench.ris",
                                                sha256="0" * 64, status="done")
    abstract = ("Background: intravenous immunoglobulin in idiopathic inflammatory myositis. " * 6).strip()
    Record.objects.bulk_create(
        (Record(review=review, record_import=record_import, source=source, position=i + 1,
                title=f"Synthetic report {i} on immunoglobulin in myositis", abstract=abstract,
                authors=["Author A", "Author B"], year=1990 + i % 35, journal="Synthetic J")
         for i in range(n_records)),
        batch_size=5000,
    )
    now = timezone.now()
    voted = list(Record.objects.filter(review=review).values_list("id", "year", "title")[: n_records // 3])
    RecordStage.objects.bulk_create(
        (RecordStage(review=review, record_id=pk, stage="title_abstract", decision_count=2,
                     status="excluded" if pk % 4 else "advanced", decided_at=now, **queue_keys(pk, year, title))
         for pk, year, title in voted),
        batch_size=5000,
    )
    voted = [pk for pk, _, _ in voted]
    stage_ids = dict(RecordStage.objects.filter(review=review).values_list("record_id", "id"))
    ScreeningDecision.objects.bulk_create(
        (ScreeningDecision(review=review, record_stage_id=stage_ids[pk], record_id=pk, stage="title_abstract", reviewer=user,
                           vote="exclude" if pk % 4 else "include", created_at=now, updated_at=now)
         for pk in voted for user in (rev1, rev2)),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        # What autovacuum would do within a minute of a bulk load like this one.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return review, lead, rev1


def timed(fn, repeat: int) -> float:
    import statistics

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup(args.database_url)

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from bench._common import machine
    from review.prisma import prisma_counts

    start = time.perf_counter()
    review, lead, rev1 = build(args.records)
    print(f"built in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    reviewer, leader = Client(), Client()
    reviewer.force_login(rev1)
    leader.force_login(lead)
    screen = reverse("review:screen", args=[review.slug, "title-abstract"])

    def next_record(order):
        # Each order's cursor is set by its first request; the timed ones resume from it.
        def fetch():
            response = reviewer.get(f"{screen}?order={order}")
            assert response.status_code == 200 and b"data-record=" in response.content
        return fetch

    def vote():
        html = reviewer.get(screen).content.decode()
        pk = html.split('data-record="')[1].split('"')[0]
        started = time.perf_counter()
        response = reviewer.post(reverse("review:vote", args=[review.slug, "title-abstract", pk]),
                                 {"vote": "include", "version": 0}, HTTP_X_REQUESTED_WITH="fetch")
        elapsed = time.perf_counter() - started
        assert response.json()["ok"], response.content
        return elapsed

    def undo():
        # A vote just cast (not timed), then its undo, which serves that record again.
        html = reviewer.get(screen).content.decode()
        pk = html.split('data-record="')[1].split('"')[0]
        response = reviewer.post(reverse("review:vote", args=[review.slug, "title-abstract", pk]),
                                 {"vote": "include", "version": 0}, HTTP_X_REQUESTED_WITH="fetch")
        assert response.json()["ok"], response.content
        started = time.perf_counter()
        response = reviewer.post(reverse("review:withdraw", args=[review.slug, "title-abstract", pk]),
                                 {"version": 1}, HTTP_X_REQUESTED_WITH="fetch")
        elapsed = time.perf_counter() - started
        assert response.json()["ok"] and f'data-record="{pk}"' in response.json()["html"], response.content
        return elapsed

    def get(name):
        assert leader.get(reverse(name, args=[review.slug])).status_code == 200

    next_record("random")()  # the first visit gives the records their stage rows: not timed
    t_next = {order: timed(next_record(order), args.repeat) for order in ("random", "year", "title")}
    vote_times = sorted(vote() for _ in range(args.repeat))
    t_vote = vote_times[len(vote_times) // 2]
    undo_times = sorted(undo() for _ in range(args.repeat))
    t_undo = undo_times[len(undo_times) // 2]
    t_dashboard = timed(lambda: get("review:dashboard"), 5)
    t_prisma_counts = timed(lambda: prisma_counts(review), 5)
    t_prisma_page = timed(lambda: get("review:prisma"), 5)

    print(f"Machine: {machine()}; database: {connection.vendor}. {args.records:,} synthetic records, "
          f"a third of them with two title/abstract votes. Median of {args.repeat} requests "
          f"(5 for the dashboard and PRISMA), through Django's test client (server time, no network).\n")
    print("| Measure | Median | Target |")
    print("|---|---:|---:|")
    print(f"| Next record (screening page with the next record) | {t_next['random'] * 1000:.0f} ms | ≤ 50 ms |")
    print(f"| Next record, newest first (order by year) | {t_next['year'] * 1000:.0f} ms | ≤ 50 ms |")
    print(f"| Next record, by title | {t_next['title'] * 1000:.0f} ms | ≤ 50 ms |")
    print(f"| Vote (fetch; saves, then returns the next record) | {t_vote * 1000:.0f} ms | ≤ 50 ms |")
    print(f"| Undo (fetch; takes the vote back, then returns that record) | {t_undo * 1000:.0f} ms | ≤ 50 ms |")
    print(f"| Dashboard (counts, per reviewer, kappa) | {t_dashboard * 1000:.0f} ms | ≤ 300 ms |")
    print(f"| PRISMA counts | {t_prisma_counts * 1000:.0f} ms | ≤ 300 ms |")
    print(f"| PRISMA page (counts and table; diagram is a separate request) | {t_prisma_page * 1000:.0f} ms | |")


if __name__ == "__main__":
    main()
