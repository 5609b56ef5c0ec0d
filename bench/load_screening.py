"""Load: 16 simulated reviewers voting at once for 60 s against gunicorn and PostgreSQL (issue 5).

Run from the repository root, with a PostgreSQL server the script may create a scratch
database on (it drops it afterwards):

    .venv/bin/python bench/load_screening.py --server postgres://postgres@127.0.0.1:5432

Each simulated reviewer logs in, opens the screening page, and votes as fast as the server
answers (each vote's answer carries the next record). Afterwards the database is checked:
every acknowledged vote is a row (no lost votes), every stage row's vote count matches its
rows, and every settled record has exactly one outcome event. A vote refused because two
colleagues filled the record in the meantime is the rule working, counted apart from errors.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DB_NAME = "concord_load_screening"
PASSWORD = "load-test-only-password-1"


def _admin(server: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def build(records: int, reviewers: int) -> None:
    from django.core.management import call_command

    from review.models import Record, RecordImport
    from review.services.reviews import member_add, review_create, user_create
    from review.services.sources import source_create

    call_command("migrate", verbosity=0)
    lead = user_create(username="load_lead", password=PASSWORD)
    review = review_create(title="Load test (synthetic)", slug="load", lead=lead)
    for i in range(reviewers):
        user = user_create(username=f"load_rev{i:02d}", password=PASSWORD)
        member_add(review=review, user=user, roles=["reviewer"], actor=lead)
    source = source_create(review=review, actor=lead, name="PubMed", kind="database")
    record_import = RecordImport.objects.create(review=review, source=source, filename="load.ris",
                                                sha256="0" * 64, status="done")
    Record.objects.bulk_create(
        (Record(review=review, record_import=record_import, source=source, position=i + 1,
                title=f"Synthetic report {i}", abstract="Synthetic abstract. " * 20, year=2000 + i % 25)
         for i in range(records)),
        batch_size=5000,
    )


def reviewer(base: str, username: str, until: float, out: dict, lock: threading.Lock) -> None:
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/")
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    session.post(f"{base}/accounts/login/", data={"username": username, "password": PASSWORD,
                                                  "csrfmiddlewaretoken": token},
                 headers={"Referer": f"{base}/accounts/login/"})
    html = session.get(f"{base}/reviews/load/screen/title-abstract/").text
    csrf = session.cookies.get("csrftoken")
    rng = random.Random(username)
    latencies, ok, refused, errors = [], 0, 0, 0
    while time.perf_counter() < until and 'data-record="' in html:
        pk = html.split('data-record="')[1].split('"')[0]
        vote = rng.choice(["include", "exclude", "exclude", "maybe"])
        started = time.perf_counter()
        try:
            response = session.post(
                f"{base}/reviews/load/screen/title-abstract/{pk}/vote/",
                data={"vote": vote, "version": "0", "csrfmiddlewaretoken": csrf},
                headers={"X-Requested-With": "fetch", "Referer": base + "/"}, timeout=30,
            )
            latencies.append(time.perf_counter() - started)
            if response.status_code == 200 and response.json().get("ok"):
                ok += 1
                html = response.json()["html"]
            elif response.status_code == 400:
                refused += 1  # filled by two colleagues meanwhile: take the next record
                html = session.get(f"{base}/reviews/load/screen/title-abstract/").text
            else:
                errors += 1
                html = session.get(f"{base}/reviews/load/screen/title-abstract/").text
        except requests.RequestException:
            errors += 1
    with lock:
        out["latencies"].extend(latencies)
        out["ok"] += ok
        out["refused"] += refused
        out["errors"] += errors


def check() -> dict:
    from django.db.models import Count

    from review.models import AuditEvent, RecordStage, ScreeningDecision

    decisions = ScreeningDecision.objects.count()
    mismatched = (
        RecordStage.objects.annotate(n=Count("decisions")).exclude(n=models_f("decision_count")).count()
    )
    settled = RecordStage.objects.filter(stage="title_abstract").exclude(status="awaiting").count()
    outcomes = AuditEvent.objects.filter(action__in=["screening.outcome", "conflict.opened"],
                                         new_value__stage="title_abstract").count()
    return {"decisions": decisions, "mismatched": mismatched, "settled": settled, "outcome_events": outcomes}


def models_f(name):
    from django.db.models import F

    return F(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reviewers", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()

    _admin(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")
    _admin(args.server, f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": f"{args.server}/{DB_NAME}", "DJANGO_SETTINGS_MODULE": "concord.test_settings"}
    os.environ.update(env)
    import django

    django.setup()
    build(args.records, args.reviewers)
    server = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "concord.wsgi", "-w", str(args.workers), "-b", f"127.0.0.1:{args.port}",
         "--log-level", "warning"],
        cwd=REPO, env=env,
    )
    try:
        base = f"http://127.0.0.1:{args.port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/accounts/login/", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        out = {"latencies": [], "ok": 0, "refused": 0, "errors": 0}
        lock = threading.Lock()
        until = time.perf_counter() + args.seconds
        threads = [threading.Thread(target=reviewer, args=(base, f"load_rev{i:02d}", until, out, lock))
                   for i in range(args.reviewers)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = check()
    from django.db import connections

    connections.close_all()
    _admin(args.server, f"DROP DATABASE IF EXISTS {DB_NAME}")
    lat = sorted(out["latencies"])
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
    from bench._common import machine

    print(f"Machine: {machine()}; gunicorn with {args.workers} sync workers, PostgreSQL; "
          f"{args.reviewers} simulated reviewers for {args.seconds} s on {args.records:,} records, two "
          f"reviewers per record.\n")
    print("| Measure | Value |")
    print("|---|---:|")
    print(f"| Votes acknowledged | {out['ok']:,} ({out['ok'] / elapsed:.0f} per second) |")
    print(f"| Vote rows in the database | {result['decisions']:,} |")
    print(f"| Lost votes (acknowledged, not stored) | {out['ok'] - result['decisions']} |")
    print(f"| Stage rows whose vote count disagrees with their votes | {result['mismatched']} |")
    print(f"| Records settled / outcome events | {result['settled']:,} / {result['outcome_events']:,} |")
    print(f"| Refused: record filled by two colleagues meanwhile | {out['refused']} |")
    print(f"| Errors | {out['errors']} |")
    print(f"| Vote latency median / p95 | {statistics.median(lat) * 1000:.0f} ms / {p95 * 1000:.0f} ms |")


if __name__ == "__main__":
    main()
