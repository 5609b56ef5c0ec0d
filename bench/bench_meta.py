"""Benchmark of the statistics engine against R's metafor on the same data.

    .venv/bin/python bench/bench_meta.py [--runs 5] [--big 10000] [--small 500]
                                         [--r-big 1000] [--r-small 100]
                                         [--r-mh 10000] [--r-confint 2000] [--r-cumul 250]

Times rma(method="REML") with k = 10,000 studies and influence() / leave1out() with
k = 500, and rma_mh (OR), confint (Q-profile of a REML fit) and cumul (REML and DL)
with k = 10,000 (median of --runs runs) against the targets, then runs the same
computations through Rscript (bench/bench_meta.R) and in Python on the same data,
written to temporary CSV files, and prints Markdown tables with the R / Python ratio.
The R part is skipped, with a note, when Rscript is absent.

metafor 3.8 forms dense k-by-k matrices, so its time grows with k^3 (rma REML: about
6 s at k = 1,000 and 40 s at k = 2,000 on the 2-core reference machine; influence at
k = 500 refits 500 such models). The R comparison therefore runs at --r-big and
--r-small studies (1,000 and 100 by default); pass --r-big 10000 --r-small 500 for the
full-size comparison if you can wait hours. metafor's cumul refits k dense models
(about 10 s at k = 200 and two minutes at k = 400 on that machine) and confint evaluates
Q on k-by-k matrices (about 16 s at k = 2,000), so those run at --r-cumul 250 and
--r-confint 2000 studies; rma.mh is O(k) in metafor too and runs at the full k.
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

from analysis.meta import confint, cumul, influence, leave1out, rma, rma_mh  # noqa: E402

TARGETS = {
    "rma_reml_big": 0.050,
    "influence_small": 2.0,
    "leave1out_small": 2.0,
    "rma_mh_big": 0.100,
    "confint_big": 0.100,
    "cumul_reml_big": 0.100,
    "cumul_dl_big": 0.100,
}


def simulate(k: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Random-effects data: tau^2 = 0.05, within-study variances from study sizes 20-400."""
    n = rng.integers(20, 400, size=k)
    vi = 4 / n
    yi = rng.normal(0.3, np.sqrt(0.05 + vi))
    return yi, vi


def simulate_tables(k: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """2x2 tables: arms of 20-400, control risk 5-40%, odds ratios around 0.8."""
    n1 = rng.integers(20, 400, size=k)
    n2 = rng.integers(20, 400, size=k)
    p2 = rng.uniform(0.05, 0.4, size=k)
    odds = p2 / (1 - p2) * np.exp(rng.normal(np.log(0.8), 0.2, size=k))
    p1 = odds / (1 + odds)
    return {"ai": rng.binomial(n1, p1), "n1i": n1, "ci": rng.binomial(n2, p2), "n2i": n2}


def median_time(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU seconds; on a shared machine the CPU time says what
    the computation costs, the wall time what a user waits."""
    fn()  # warm-up: imports and caches are not what is being measured
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def write_csv(path: Path, yi: np.ndarray, vi: np.ndarray) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["yi", "vi"])
        writer.writerows((repr(float(y)), repr(float(v))) for y, v in zip(yi, vi, strict=True))


def write_tables(path: Path, tables: dict[str, np.ndarray]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(list(tables))
        writer.writerows(zip(*(t.tolist() for t in tables.values()), strict=True))


def run_r(big: tuple, small: tuple, runs: int, tables, conf: tuple, cum: tuple) -> dict | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: Path(tmp) / f"{name}.csv" for name in ("big", "small", "mh", "ci", "cum")}
        write_csv(paths["big"], *big)
        write_csv(paths["small"], *small)
        write_tables(paths["mh"], tables)
        write_csv(paths["ci"], *conf)
        write_csv(paths["cum"], *cum)
        done = subprocess.run(
            [
                rscript,
                str(REPO_ROOT / "bench" / "bench_meta.R"),
                str(paths["big"]),
                str(paths["small"]),
                str(runs),
                str(paths["mh"]),
                str(paths["ci"]),
                str(paths["cum"]),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        print(f"R benchmark failed:\n{done.stderr}", file=sys.stderr)
        return None
    return json.loads(done.stdout)


def time_python(big: tuple, small: tuple, runs: int, tables, conf: tuple, cum: tuple) -> dict:
    fit_small = rma(*small, method="REML")
    fit_conf = rma(*conf, method="REML")
    fit_cum = rma(*cum, method="REML")
    fit_cum_dl = rma(*cum, method="DL")
    return {
        "rma_reml_big": median_time(lambda: rma(*big, method="REML"), runs),
        "influence_small": median_time(lambda: influence(fit_small), runs),
        "leave1out_small": median_time(lambda: leave1out(fit_small), runs),
        "rma_mh_big": median_time(lambda: rma_mh(measure="OR", **tables), runs),
        "confint_big": median_time(lambda: confint(fit_conf), runs),
        "cumul_reml_big": median_time(lambda: cumul(fit_cum), runs),
        "cumul_dl_big": median_time(lambda: cumul(fit_cum_dl), runs),
    }


def labels(k_big: int, k_small: int, k_mh: int, k_conf: int, k_cum: int) -> dict:
    return {
        "rma_reml_big": f"rma REML, k = {k_big:,}",
        "influence_small": f"influence, k = {k_small:,}",
        "leave1out_small": f"leave1out, k = {k_small:,}",
        "rma_mh_big": f"rma_mh OR, k = {k_mh:,}",
        "confint_big": f"confint (Q-profile, REML fit), k = {k_conf:,}",
        "cumul_reml_big": f"cumul REML, k = {k_cum:,}",
        "cumul_dl_big": f"cumul DL, k = {k_cum:,}",
    }


def head(data, k: int):
    if isinstance(data, dict):
        return {name: values[:k] for name, values in data.items()}
    return tuple(values[:k] for values in data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=500)
    parser.add_argument("--r-big", type=int, default=1_000)
    parser.add_argument("--r-small", type=int, default=100)
    parser.add_argument("--r-mh", type=int, default=10_000)
    parser.add_argument("--r-confint", type=int, default=2_000)
    parser.add_argument("--r-cumul", type=int, default=250)
    parser.add_argument("--seed", type=int, default=20261121)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    big = simulate(args.big, rng)
    small = simulate(args.small, rng)
    tables = simulate_tables(args.big, rng)
    # confint and cumul run on the same k = --big data as rma
    py = time_python(big, small, args.runs, tables, big, big)
    print(f"## Python, median of {args.runs} runs (seconds)\n")
    print("| computation | Python (wall) | Python (CPU) | target | within target (wall) |")
    print("|---|---:|---:|---:|---|")
    names = labels(args.big, args.small, args.big, args.big, args.big)
    for key, label in names.items():
        wall, cpu = py[key]
        ok = "yes" if wall <= TARGETS[key] else "NO"
        print(f"| {label} | {wall:.4f} | {cpu:.4f} | {TARGETS[key]:.3f} | {ok} |")

    r_big, r_small = head(big, args.r_big), head(small, args.r_small)
    r_tables, r_conf, r_cum = (
        head(tables, args.r_mh),
        head(big, args.r_confint),
        head(big, args.r_cumul),
    )
    r = run_r(r_big, r_small, args.runs, r_tables, r_conf, r_cum)
    print(f"\n## Python and R metafor on the same data, median of {args.runs} runs (seconds)\n")
    if r is None:
        print("R part skipped: Rscript is not on PATH (or the R script failed, see stderr).")
        return
    py_r = time_python(r_big, r_small, args.runs, r_tables, r_conf, r_cum)
    print("| computation | Python | R metafor | R / Python |")
    print("|---|---:|---:|---:|")
    names = labels(args.r_big, args.r_small, args.r_mh, args.r_confint, args.r_cumul)
    for key, label in names.items():
        wall = py_r[key][0]
        ratio = r[key] / wall if wall > 0 else float("nan")
        print(f"| {label} | {wall:.4f} | {r[key]:.4f} | {ratio:.0f} |")
    tau2_py = rma(*r_big, method="REML").tau2
    last_py = cumul(rma(*r_cum, method="REML")).estimate[-1]
    print(
        f"\n{r['r_version']}, metafor {r['metafor_version']}. Same estimates: tau^2 "
        f"(k = {args.r_big:,}) Python {tau2_py:.10g}, R {r['tau2_big']:.10g}; MH log OR "
        f"Python {rma_mh(measure='OR', **r_tables).estimate:.10g}, R {r['mh_big']:.10g}; "
        f"confint upper bound Python {confint(rma(*r_conf, method='REML')).tau2.ci_ub:.8g}, "
        f"R {r['confint_ub']:.8g}; last cumul estimate Python {last_py:.10g}, "
        f"R {r['cumul_last']:.10g}."
    )


if __name__ == "__main__":
    main()
