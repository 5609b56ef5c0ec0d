"""Prioritised screening (issue 11): training time at 100,000 records, and work saved against ASReview.

Run from the repository root:

    .venv/bin/python bench/bench_screening_ranking.py                  # everything
    .venv/bin/python bench/bench_screening_ranking.py --seeds 0 1      # fewer seeds
    .venv/bin/python bench/bench_screening_ranking.py --no-asreview --no-loso --no-timing

Training time: ``fit_scores`` (TF-IDF over every text, then the SVM on the labelled ones) on
100,000 synthetic records, each the first half of one real record of the seven labelled sets
followed by the end of another, so the vocabulary and the lengths are real ones; 2,000 records
labelled, 10% includes. The median of ``--repeat`` runs, with the load average beside it, since
the machine may be shared.

Work saved: for every labelled set (title/abstract labels, ``bench/screening_sets.py``) and seed,
Concord's ``simulate`` (one prior include and one prior exclude drawn by the seed) and ASReview
LAB 3.0.8's ``asreview simulate`` with its default model (ELAS u4) from the same two prior records
(``bench/asreview_runs.py``, which installs ASReview in ``bench/out/asreview-venv``). Records to
95% and 100% recall count every record screened, priors included; WSS@95 is
``(N - n95) / N - 0.05``; the stopping point is the first step at which the buscar test
(``review.screening.stopping``) rejects "recall < 95%" with 95% confidence. ASReview has no
statistical stopping rule, so its stopping columns are empty.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from bench import asreview_runs, screening_loso, screening_sets  # noqa: E402
from bench.screening_metrics import order_metrics  # noqa: E402
from review.screening.ranking import RankerSettings, fit_scores, fit_scores_matrix, vectorise  # noqa: E402

SEEDS = (0, 1, 2, 3, 4)


def synthetic_texts(count: int, seed: int = 0) -> list[str]:
    sets = screening_sets.load_all()
    words = [text.split() for labelled in sets.values() for text in labelled.texts]
    rng = np.random.default_rng(seed)
    texts = []
    for _ in range(count):
        first, second = words[rng.integers(len(words))], words[rng.integers(len(words))]
        cut = int(rng.integers(len(second) + 1))
        texts.append(" ".join(first[: max(1, len(first) // 2)] + second[cut:]))
    return texts


def timing(count: int, repeat: int) -> str:
    texts = synthetic_texts(count)
    rng = np.random.default_rng(1)
    labelled = rng.choice(count, size=2000, replace=False)
    labels = {int(i): int(k < 200) for k, i in enumerate(labelled)}
    settings = RankerSettings()
    totals, cpu_totals, vectorising, fitting, loads = [], [], [], [], []
    for _ in range(repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        fit_scores(texts, labels, settings)
        totals.append(time.perf_counter() - start)
        cpu_totals.append(time.process_time() - cpu_start)
        start = time.perf_counter()
        features = vectorise(texts, settings)
        vectorising.append(time.perf_counter() - start)
        start = time.perf_counter()
        fit_scores_matrix(features, labels, settings)
        fitting.append(time.perf_counter() - start)
        loads.append(os.getloadavg()[0])
    words = statistics.mean(len(text.split()) for text in texts)
    total = statistics.median(totals)
    return "\n".join([
        f"Training on {count:,} synthetic records (mean {words:.0f} words; {features.shape[1]:,} terms), "
        f"2,000 labelled, median of {repeat} runs:",
        "",
        "| Step | Seconds (wall clock) |",
        "|---|---:|",
        f"| TF-IDF of every record | {statistics.median(vectorising):.1f} |",
        f"| SVM fit and scores | {statistics.median(fitting):.2f} |",
        f"| **`fit_scores` in all** (target ≤ 20 s) | **{total:.1f}** ({'met' if total <= 20 else 'missed'}) |",
        f"| `fit_scores`, CPU time of the process | {statistics.median(cpu_totals):.1f} |",
        "",
        f"Load average (1 min) during the runs: {', '.join(f'{load:.1f}' for load in loads)} "
        f"on {os.cpu_count()} cores; on a shared machine the CPU time is what an idle core would take.",
    ])


def concord_runs(seeds) -> dict[str, list[dict]]:
    settings = RankerSettings()
    runs = {}
    for name, filename, column in screening_sets.SETS:
        labelled = screening_sets.load(filename, column)
        runs[name] = [screening_loso.run(settings, filename, column, seed, labelled) for seed in seeds]
    return runs


def asreview_metrics(seeds) -> dict[str, list[dict]]:
    runs = {}
    for name, filename, column in screening_sets.SETS:
        labelled = screening_sets.load(filename, column)
        total, includes = len(labelled.labels), sum(labelled.labels)
        runs[name] = [
            order_metrics(asreview_runs.run(filename, column, seed)["labels"], total, includes) for seed in seeds
        ]
    return runs


def heuristic_recall(order_labels, includes: int, run_length: int = 50) -> float:
    """Recall when ASReview's heuristic would first stop: after ``run_length`` excludes in a row."""
    found = run = 0
    for label in order_labels:
        found += label
        run = 0 if label else run + 1
        if run == run_length:
            break
    return found / includes


def _mean(runs, key):
    return statistics.mean(run[key] for run in runs)


def comparison(concord, asreview, seeds, asreview_seeds) -> str:
    lines = [
        f"Concord seeds {', '.join(map(str, seeds))}; ASReview seeds {', '.join(map(str, asreview_seeds))}; "
        "means over the seeds; Δ WSS@95 compares the two on ASReview's seeds only. "
        "n95 / n100: records screened to find 95% / 100% of the includes. "
        "Stop: the buscar rule at 95% recall, 95% confidence.",
        "",
        "| Set | N | Includes | Concord n95 | n100 | WSS@95 | ASReview n95 | n100 | WSS@95 | Δ WSS@95 "
        "| Stop at | Recall at stop | Saved at stop |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    deltas, stop_hits, stop_runs, heuristic = [], 0, 0, []
    for name, filename, column in screening_sets.SETS:
        labelled = screening_sets.load(filename, column)
        ours = concord[name]
        heuristic += [
            heuristic_recall([labelled.labels[i] for i in run["order"]], sum(labelled.labels)) for run in ours
        ]
        stop_runs += len(ours)
        stop_hits += sum(1 for run in ours if run.get("stop_recall") is not None and run["stop_recall"] >= 0.95)
        stopped = [run for run in ours if run.get("stop_at")]
        stop_cells = (
            f"{_mean(stopped, 'stop_at'):.0f} | {_mean(stopped, 'stop_recall'):.3f} | {_mean(stopped, 'stop_saved'):.3f}"
            if stopped else "never | – | –"
        )
        if asreview:
            theirs = asreview[name]
            paired = [run for run in ours if run["seed"] in asreview_seeds]
            delta = _mean(paired, "wss95") - _mean(theirs, "wss95")
            deltas.append(delta)
            theirs_cells = f"{_mean(theirs, 'n95'):.0f} | {_mean(theirs, 'n100'):.0f} | {_mean(theirs, 'wss95'):.3f} | {delta:+.3f}"
        else:
            theirs_cells = "– | – | – | –"
        lines.append(
            f"| {name} | {len(labelled.labels)} | {sum(labelled.labels)} | {_mean(ours, 'n95'):.0f} | "
            f"{_mean(ours, 'n100'):.0f} | {_mean(ours, 'wss95'):.3f} | {theirs_cells} | {stop_cells} |"
        )
    ours_mean = statistics.mean(_mean(runs, "wss95") for runs in concord.values())
    lines.append("")
    lines.append(f"Mean WSS@95 over the sets: Concord {ours_mean:.3f}"
                 + (f", ASReview {statistics.mean(_mean(r, 'wss95') for r in asreview.values()):.3f}." if asreview else "."))
    if asreview:
        # The mean WSS@95 over the sets, Concord's less ASReview's, on the same seeds.
        mean_delta = statistics.mean(deltas)
        worst = min(deltas)
        lines += [
            "",
            "| Target | Measured | Met |",
            "|---|---:|---|",
            f"| Mean WSS@95 ≥ ASReview's + 0.03 | {mean_delta:+.3f} | {'yes' if mean_delta >= 0.03 else 'no'} |",
            f"| No set more than 0.02 below ASReview | worst {worst:+.3f} | {'yes' if worst >= -0.02 else 'no'} |",
            f"| Stopping rule reaches 95% recall in ≥ 95% of runs | {stop_hits}/{stop_runs} "
            f"({stop_hits / stop_runs:.0%}) | {'yes' if stop_hits >= 0.95 * stop_runs else 'no'} |",
        ]
    else:
        lines.append(f"\nStopping rule reached 95% recall in {stop_hits}/{stop_runs} runs.")
    reached = sum(1 for recall in heuristic if recall >= 0.95)
    lines.append(
        f"\nFor comparison, ASReview's heuristic (stop after 50 irrelevant records in a row) on the same "
        f"Concord runs would have stopped at 95% recall or more in {reached}/{len(heuristic)} runs "
        f"(recall at its stop: mean {statistics.mean(heuristic):.3f}, lowest {min(heuristic):.3f})."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--size", type=int, default=100_000, help="records for the training-time run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--no-asreview", action="store_true")
    parser.add_argument(
        "--asreview-seeds", type=int, nargs="+", default=None,
        help="seeds for ASReview (default: --seeds); its runs are slow, so fewer may be compared",
    )
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-set-out settings table")
    args = parser.parse_args()
    print(f"Model defaults: `{RankerSettings().as_dict()}`.\n")
    if not args.no_timing:
        print("### Training time\n\n" + timing(args.size, args.repeat) + "\n", flush=True)
    concord = concord_runs(args.seeds)
    asreview_seeds = args.asreview_seeds or args.seeds
    asreview = None if args.no_asreview else asreview_metrics(asreview_seeds)
    print("### Work saved on the labelled sets, against ASReview LAB 3.0.8 (ELAS u4)\n", flush=True)
    print(comparison(concord, asreview, args.seeds, asreview_seeds) + "\n", flush=True)
    if not args.no_loso:
        means = screening_loso.set_means()
        print("### Choosing the defaults: leave-one-set-out\n")
        print(screening_loso.markdown(means, screening_loso.leave_one_set_out(means)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
