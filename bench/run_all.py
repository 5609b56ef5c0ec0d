"""`make bench`: runs every benchmark and writes docs/benchmarks.md with the machine and date.

Each benchmark script prints a Markdown section on stdout; a failing one is reported, not hidden.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import REPO, machine  # noqa: E402

BENCHMARKS = [
    ("Import: 100,000 records into the database (issue 2)", ["bench/bench_import.py"]),
    ("Import: parsing alone", ["bench/bench_import_parse.py"]),
    ("De-duplication: accuracy and scaling (issue 4)", ["bench/bench_dedup.py"]),
    ("Screening with 100,000 records (issue 5)", ["bench/bench_screening.py"]),
    ("Prioritised screening: ranking model, stopping rule, ASReview (issue 11)", ["bench/bench_screening_ranking.py"]),
    ("Statistics engine against metafor (issue 3)", ["bench/bench_meta.py"]),
    ("Analysis pages and recomputation (issue 7)", ["bench/bench_analysis.py"]),
    ("Audit log hash chain (issue 15)", ["bench/bench_audit.py"]),
]


def main() -> int:
    only = set(sys.argv[1:])
    sections, failed = [], 0
    for title, command in BENCHMARKS:
        if only and not any(name in command[0] for name in only):
            continue
        if not (REPO / command[0]).exists():
            continue
        start = time.perf_counter()
        completed = subprocess.run([sys.executable, *command], cwd=REPO, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        body = completed.stdout.strip()
        if completed.returncode != 0:
            failed += 1
            body += f"\n\n**Failed** (exit {completed.returncode}):\n\n```\n{completed.stderr[-2000:]}\n```"
        sections.append(f"## {title}\n\nCommand: `.venv/bin/python {' '.join(command)}` ({seconds:.0f} s)\n\n{body}\n")
        print(sections[-1], flush=True)
    today = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        "# Benchmarks\n\n"
        f"Written by `make bench` on {today}.\n\nMachine: {machine()}.\n\n"
        "Every figure is a median of several runs unless a table says otherwise; targets are the issues'.\n"
    )
    out = REPO / "docs" / "benchmarks.md"
    if only and out.exists():
        out = REPO / "docs" / f"benchmarks-{'-'.join(sorted(only))}.md"
    out.write_text(header + "\n" + "\n".join(sections))
    print(f"written {out.relative_to(REPO)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
