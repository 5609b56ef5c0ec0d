"""Benchmark of the statistics engine against R's metafor on the same data.

    .venv/bin/python bench/bench_meta.py [--runs 5] [--big 10000] [--small 500]
                                         [--r-big 1000] [--r-small 100]

Times rma(method="REML") with k = 10,000 studies and influence() / leave1out() with
k = 500 (median of --runs runs) against the targets, then runs the same computations
through Rscript (bench/bench_meta.R) and in Python on the same data, written to
temporary CSV files, and prints Markdown tables with the R / Python ratio. The R part is
skipped, with a note, when Rscript is absent.

metafor 3.8 forms dense k-by-k matrices, so its time grows with k^3 (rma REML: about
6 s at k = 1,000 and 40 s at k = 2,000 on the 2-core reference machine; influence at
k = 500 refits 500 such models). The R comparison therefore runs at --r-big and
--r-small studies (1,000 and 100 by default); pass --r-big 10000 --r-small 500 for the
full-size comparison if you can wait hours.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from analysis.meta import influence, leave1out, rma  # noqa: E402

TARGETS = {"rma_reml_big": 0.050, "influence_small": 2.0, "leave1out_small": 2.0}


def simulate(k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random-effects data: tau^2 = 0.05, within-study variances from study sizes 20-400."""
    n = rng.integers(20, 400, size=k)
    vi = 4 / n
    yi = rng.normal(0.3, np.sqrt(0.05 + vi))
    return yi, vi


def median_time(fn, runs: int) -> float:
    fn()  # warm-up: imports and caches are not what is being measured
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_csv(path: Path, yi: np.ndarray, vi: np.ndarray) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["yi", "vi"])
        writer.writerows((repr(float(y)), repr(float(v))) for y, v in zip(yi, vi, strict=True))


def run_r(big: tuple, small: tuple, runs: int) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        big_csv, small_csv = Path(tmp) / "big.csv", Path(tmp) / "small.csv"
        write_csv(big_csv, *big)
        write_csv(small_csv, *small)
        done = subprocess.run(
            [
                rscript,
                str(REPO_ROOT / "bench" / "bench_meta.R"),
                str(big_csv),
                str(small_csv),
                str(runs),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(f"R benchmark failed:\n{done.stderr}", file=sys.stderr)
        return None
    return json.loads(done.stdout)


def time_python(big: tuple, small: tuple, runs: int) -> dict:
    fit_small = rma(*small, method="REML")
    return {
        "rma_reml_big": median_time(lambda: rma(*big, method="REML"), runs),
        "influence_small": median_time(lambda: influence(fit_small), runs),
        "leave1out_small": median_time(lambda: leave1out(fit_small), runs),
    }


def labels(k_big: int, k_small: int) -> dict:
    return {
        "rma_reml_big": f"rma REML, k = {k_big:,}",
        "influence_small": f"influence, k = {k_small:,}",
        "leave1out_small": f"leave1out, k = {k_small:,}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--r-big", type=int, default=1_000)
    parser.add_argument("--r-small", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    big = simulate(args.big, rng)
    small = simulate(args.small, rng)
    py = time_python(big, small, args.runs)
    print(f"## Python, median of {args.runs} runs (seconds)\n")
    print("| computation | Python | target | within target |")
    print("|---|---:|---:|---|")
    for key, label in labels(args.big, args.small).items():
        ok = "yes" if py[key] <= TARGETS[key] else "NO"
        print(f"| {label} | {py[key]:.4f} | {TARGETS[key]:.3f} | {ok} |")

    r_big = (big[0][: args.r_big], big[1][: args.r_big])
    r_small = (small[0][: args.r_small], small[1][: args.r_small])
    r = run_r(r_big, r_small, args.runs)
    print(f"\n## Python and R metafor on the same data, median of {args.runs} runs (seconds)\n")
    if r is None:
        print("R part skipped: Rscript is not on PATH (or the R script failed, see stderr).")
        return
    py_r = time_python(r_big, r_small, args.runs)
    print("| computation | Python | R metafor | R / Python |")
    print("|---|---:|---:|---:|")
    for key, label in labels(args.r_big, args.r_small).items():
        ratio = r[key] / py_r[key] if py_r[key] > 0 else float("nan")
        print(f"| {label} | {py_r[key]:.4f} | {r[key]:.4f} | {ratio:.0f} |")
    tau2_py = rma(*r_big, method="REML").tau2
    print(
        f"\n{r['r_version']}, metafor {r['metafor_version']}. Same estimate: tau^2 "
        f"(k = {args.r_big:,}) Python {tau2_py:.10g}, R {r['tau2_big']:.10g}."
    )


if __name__ == "__main__":
    main()
