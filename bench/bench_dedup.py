"""Benchmark review.dedup against the labelled sets and bib-dedupe; then scale it up.

Run from the repository root:

    .venv/bin/python -m bench.bench_dedup                 # accuracy + scaling 10k/50k/100k
    .venv/bin/python -m bench.bench_dedup --sizes 10000   # smaller scaling run
    .venv/bin/python -m bench.bench_dedup --no-loso --no-bib-dedupe --sizes 100000 --repeat 3
    .venv/bin/python -m bench.bench_dedup --no-scale
    .venv/bin/python -m bench.bench_dedup --no-scale --no-loso   # without the threshold grid

bib-dedupe 0.11 (PyPI) runs in its own venv, built on first use in bench/out/bib-dedupe-venv,
with its results cached per set and variant (bench/bib_dedupe_runs.py); where the venv
cannot be built its rows are skipped with a message. Each scaling size runs in a fresh
subprocess so that the peak resident memory (ru_maxrss) belongs to that size alone.

Counts (see bench/dedup_sets.py):
  pairs    record pairs; TP = merged and truly one publication, FP = merged but
           two publications, FN = one publication left apart, TN = the rest.
  removal  records to remove, as ASySD counts them (one record kept per cluster).
  records  Bond sets, whose truth only flags members of duplicate sets: a record
           in an automatic cluster against one carrying the Duplicate caption.
  +queue   the same after a reviewer answers every "maybe" question correctly.
  queue    questions for a reviewer (one per pair of clusters) and the records involved.

Sets: the labelled de-duplication sets and the two ASReview screening sets whose
``duplicate_record_id`` links duplicates (Nagtegaal 2019, Kitchenham 2010), each as
exported and without abstracts, DOIs and PMIDs. The leave-one-set-out table chooses
the thresholds on the other sets and scores them on the one left out (bench/dedup_loso.py).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import bib_dedupe_runs, dedup_loso, dedup_sets  # noqa: E402
from review.dedup import Thresholds, find_duplicates  # noqa: E402


def _measure(labelled, runner):
    start = time.perf_counter()
    result = runner(labelled.records)
    # bib-dedupe's time is its own, taken in its worker when it ran (and kept in its cache).
    seconds = getattr(result, "seconds", time.perf_counter() - start)
    row = {"seconds": seconds, "queue": len(result.review_queue), "queue_records": dedup_sets.queue_records(result)}
    if labelled.clusters is not None:
        row["unit"] = "pairs"
        row["auto"] = dedup_sets.pairwise_scores(result, labelled)
        row["with_queue"] = dedup_sets.pairwise_scores(result, labelled, with_queue=True)
        row["removal"] = dedup_sets.removal_scores(result, labelled)
    else:
        row["unit"] = "records"
        row["auto"] = dedup_sets.flagged_scores(result, labelled)
        row["with_queue"] = dedup_sets.flagged_scores(result, labelled, with_queue=True)
        row["removal"] = None
    return row


def _fmt(scores) -> list[str]:
    if scores is None:
        return ["–"] * 6
    return [
        str(scores.tp), str(scores.fp), str(scores.fn), str(scores.tn),
        f"{scores.sensitivity:.4f}", f"{scores.specificity:.6f}",
    ]


def without_abstracts_and_dois(labelled):
    """The hard case of older and conference records: no abstract, no DOI, no PMID."""
    records = [{**r, "abstract": "", "doi": "", "pmid": ""} for r in labelled.records]
    return dataclasses.replace(labelled, records=records)


def _bib_dedupe_runner(label: str, results: list):
    """bib-dedupe on one set variant, keeping its result for the note under the table."""

    def run(records):
        results.append(bib_dedupe_runs.run(records, label))
        return results[-1]

    return run


def accuracy(with_bib_dedupe: bool, hard: bool = False, corrected: bool = True) -> None:
    part_start = time.perf_counter()
    skip = bib_dedupe_runs.status() if with_bib_dedupe else "bib-dedupe skipped (--no-bib-dedupe)"
    setup_seconds = time.perf_counter() - part_start
    bib_dedupe_results, bib_dedupe_seconds = [], setup_seconds
    variant = "hard" if hard else "as exported"
    heading = "without abstracts, DOIs and PMIDs (the hard case)" if hard else "as exported"
    print(f"### Accuracy on the labelled sets, {heading} (one run each)\n")
    print(
        "| Set | Records | Tool | Unit | TP | FP | FN | TN | Sensitivity | Specificity "
        "| +queue sens. | +queue FP | Queue (questions / records / % of records) "
        "| Removal TP/FP/FN | Time (s) |"
    )
    print("|" + "---|" * 15)
    for labelled in dedup_sets.load_all(corrected):
        if hard:
            labelled = without_abstracts_and_dois(labelled)
        n = len(labelled.records)
        tools = [("Concord", find_duplicates)]
        if not skip:
            tools.append(("bib-dedupe", _bib_dedupe_runner(f"{labelled.name} {variant}", bib_dedupe_results)))
        for name, runner in tools:
            tool_start = time.perf_counter()
            try:
                row = _measure(labelled, runner)
            except Exception as exc:  # a failing comparison tool must not hide our figures
                print(f"| {labelled.name} | {n} | {name} | failed: {type(exc).__name__}: {exc} |" + " |" * 11)
                continue
            finally:
                if name == "bib-dedupe":
                    bib_dedupe_seconds += time.perf_counter() - tool_start
            removal = row["removal"]
            removal_cell = f"{removal.tp}/{removal.fp}/{removal.fn}" if removal else "–"
            cells = [
                labelled.name, str(n), name, row["unit"], *_fmt(row["auto"]),
                f"{row['with_queue'].sensitivity:.4f}", str(row["with_queue"].fp),
                f"{row['queue']} / {row['queue_records']} / {100 * row['queue_records'] / n:.2f}%",
                removal_cell, f"{row['seconds']:.2f}",
            ]
            print("| " + " | ".join(cells) + " |")
    if skip:
        print(f"\n_{skip}._")
    elif bib_dedupe_results:
        print("\n" + _bib_dedupe_note(bib_dedupe_results, bib_dedupe_seconds, setup_seconds))
    print()


def _bib_dedupe_note(results, seconds: float, setup_seconds: float) -> str:
    versions = ", ".join(f"{name} {v}" for name, v in results[0].versions.items())
    cached = sum(r.cached for r in results)
    return (
        f"_bib-dedupe ran as a subprocess in its own venv ({versions}; `{bib_dedupe_runs.VENV.relative_to(REPO_ROOT)}`). "
        f"Its Time is its own prep, block, match and cluster, measured when it ran; {cached} of {len(results)} sets "
        f"were read from `{bib_dedupe_runs.CACHE.relative_to(REPO_ROOT)}/` (same records, same pins). "
        f"The bib-dedupe part of this table took {seconds:.1f} s wall time, {setup_seconds:.1f} s of it "
        "checking or building the venv._"
    )


def _cell(figures) -> str:
    return (
        f"{figures.auto.fp} | {figures.auto.sensitivity:.4f} | {figures.with_queue.sensitivity:.4f} "
        f"| {100 * figures.queue_share:.2f}%"
    )


def leave_one_set_out(corrected: bool = True) -> None:
    settings = dedup_loso.grid()
    sets = [v for labelled in dedup_sets.load_all(corrected) for v in dedup_loso.variants(labelled, without_abstracts_and_dois)]
    start = time.perf_counter()
    results = dedup_loso.run_grid(sets, settings, lambda records, t: find_duplicates(records, thresholds=t))
    seconds = time.perf_counter() - start
    fixed = Thresholds()
    print("### Leave-one-set-out thresholds\n")
    print(
        f"Grid: titles_agree in {dedup_loso.TITLES_AGREE_GRID} x queue_title in {dedup_loso.QUEUE_TITLE_GRID}, "
        f"and abstract_same in {dedup_loso.ABSTRACT_SAME_GRID} with the default titles "
        f"({len(settings)} settings x {len(sets)} set variants, {seconds:.0f} s). For each held-out set the "
        "setting is chosen on the other sets only (both variants): no false automatic merge on any of them, "
        f"queue at most {100 * dedup_loso.MAX_QUEUE_SHARE:.0f}% of records on each (or the shortest any "
        "setting gives, where none meets that), then the highest mean automatic sensitivity, then the highest mean sensitivity with the "
        f"queue answered, ties to the stricter value. Fixed: Concord's own ({dedup_loso.describe(fixed)}). "
        "Cells: false automatic merges (pairs, or records for the Bond sets) | automatic sensitivity | "
        "sensitivity with a perfect person on the queue | queue records as % of records.\n"
    )
    print(
        "| Held-out set | Chosen on the other sets | Variant | Chosen: FP | sens. | +queue sens. | queue "
        "| Fixed: FP | sens. | +queue sens. | queue |"
    )
    print("|" + "---|" * 11)
    for fold in dedup_loso.leave_one_set_out(results, fixed):
        for variant in (dedup_loso.AS_EXPORTED, dedup_loso.HARD):
            print(
                f"| {fold.held_out} | {dedup_loso.describe(fold.chosen)} | {variant} "
                f"| {_cell(fold.chosen_runs[variant])} | {_cell(fold.fixed_runs[variant])} |"
            )
    print()


def scale_one(n: int) -> dict:
    base = [dedup_sets.load_asysd_diabetes(), dedup_sets.load_wagner_digital_work()]
    labelled = dedup_sets.scaled_set(n, base)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start, cpu_start = time.perf_counter(), time.process_time()
    result = find_duplicates(labelled.records)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    scores = dedup_sets.pairwise_scores(result, labelled)
    return {
        "n": n,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "baseline_mb": baseline,
        "peak_mb": peak,
        "pairs": len(result.pairs),
        "clusters": len(result.clusters),
        "queue": len(result.review_queue),
        "queue_records": dedup_sets.queue_records(result),
        "tp": scores.tp,
        "fp": scores.fp,
        "fn": scores.fn,
        "sensitivity": scores.sensitivity,
    }


def _scale_run(n: int) -> dict | str:
    """One size in a fresh process (so ru_maxrss is that size's alone), or why it failed."""
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, "-m", "bench.bench_dedup", "--scale-one", str(n)],
        cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if proc.returncode:
        return proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else str(proc.returncode)
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "load": load}


def scaling(sizes: list[int], repeat: int = 1) -> None:
    runs = "one run per size" if repeat == 1 else f"median of {repeat} runs per size, by wall time"
    print(f"### Scaling (Concord, {runs})\n")
    print(
        "Records: the ASySD diabetes and Wagner sets (9,004 records) followed by copies in "
        "which every title, author and abstract-opening word is replaced through a random "
        "permutation of the vocabulary (one permutation per copy), DOIs get `/copy{k}`, PMIDs "
        "`+ k*10^8`, volume numbers `+ 1000*k` and ids a `c{k}:` prefix; journals, years, issues "
        "and pages are kept. "
        "Truth: the real clusters, copied. Wall time depends on what else the machine runs "
        "(the 1-minute load average before each run is given); CPU time is this process alone.\n"
    )
    print(
        "| Records | Wall time (s) | CPU time (s) | Peak RSS (MB) | RSS before run (MB) "
        "| Pairs listed | Clusters | Queue (questions / records) | TP | FP | FN | Sensitivity "
        "| Wall times of all runs (s) | Load before each run |"
    )
    print("|" + "---|" * 14)
    for n in sizes:
        results = [_scale_run(n) for _ in range(repeat)]
        failed = [r for r in results if isinstance(r, str)]
        if failed:
            print(f"| {n} | failed: {failed[0]} |" + " |" * 12)
            continue
        ordered = sorted(results, key=lambda r: r["seconds"])
        r = ordered[len(ordered) // 2]
        walls = ", ".join(f"{x['seconds']:.1f}" for x in results)
        loads = ", ".join(f"{x['load']:.2f}" for x in results)
        print(
            f"| {r['n']:,} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f} | {r['peak_mb']:.0f} | {r['baseline_mb']:.0f} "
            f"| {r['pairs']:,} | {r['clusters']:,} | {r['queue']:,} / {r['queue_records']:,} "
            f"| {r['tp']:,} | {r['fp']:,} | {r['fn']:,} | {r['sensitivity']:.4f} "
            f"| {walls} | {loads} |"
        )
    print()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    parser.add_argument("--no-scale", action="store_true")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scaling size; the median is shown")
    parser.add_argument("--no-bib-dedupe", action="store_true")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-set-out threshold grid")
    parser.add_argument(
        "--labels-as-shipped",
        action="store_true",
        help="score the screening sets against their duplicate links alone (see dedup_sets.MISSING_LINKS)",
    )
    parser.add_argument("--scale-one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.scale_one:
        print(json.dumps(scale_one(args.scale_one)))
        return 0
    if not dedup_sets.available():
        print(f"Labelled sets not found at {dedup_sets.DATA_DIR}; nothing to benchmark.")
        return 1
    print(f"CPUs: {os.cpu_count()}, Python {sys.version.split()[0]}\n")
    corrected = not args.labels_as_shipped
    if corrected:
        added = ", ".join(f"{stem} {len(pairs)}" for stem, pairs in dedup_sets.MISSING_LINKS.items())
        print(f"Screening sets scored with duplicate links added ({added} pairs; --labels-as-shipped to omit).\n")
    accuracy(with_bib_dedupe=not args.no_bib_dedupe, corrected=corrected)
    accuracy(with_bib_dedupe=not args.no_bib_dedupe, hard=True, corrected=corrected)
    if not args.no_loso:
        leave_one_set_out(corrected)
    if not args.no_scale:
        scaling(args.sizes, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
