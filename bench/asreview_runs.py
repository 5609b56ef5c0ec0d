"""ASReview LAB 3.0.8 ``asreview simulate`` on the labelled sets, cached per set and seed.

ASReview pins pandas below 3, which clashes with Concord's own requirements, so it lives in its own
virtual environment under ``bench/out/asreview-venv`` (created here on first use; pip must reach
PyPI). Each run uses ASReview's default model (ELAS u4) and the same prior records Concord's
simulation starts from (one include and one exclude drawn by ``numpy.random.default_rng(seed)``,
see :func:`review.screening.simulation.choose_priors`), given by row number with ``--prior-idx``.
ASReview stops once the last relevant record is found, which is all WSS@95 and the 100% figure need.
The screening order is read back from the project file's ``results`` table and kept as JSON in
``bench/out/screening/asreview/`` so a later benchmark reuses it.

    .venv/bin/python -m bench.asreview_runs --seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import csv
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from bench import screening_sets  # noqa: E402
from review.screening.simulation import choose_priors  # noqa: E402

ASREVIEW_VERSION = "3.0.8"
OUT = REPO_ROOT / "bench" / "out"
VENV = OUT / "asreview-venv"
CACHE = OUT / "screening" / "asreview"


def asreview_executable() -> Path:
    exe = VENV / "bin" / "asreview"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
        subprocess.run(
            [str(VENV / "bin" / "pip"), "install", "-q", f"asreview=={ASREVIEW_VERSION}"], check=True
        )
    return exe


def cache_path(filename: str, seed: int) -> Path:
    return CACHE / f"{Path(filename).stem}-seed{seed}.json"


def cached(filename: str, seed: int) -> dict | None:
    path = cache_path(filename, seed)
    return json.loads(path.read_text()) if path.exists() else None


def _dataset_csv(filename: str, label_column: str) -> Path:
    """Title, abstract and the title/abstract label as ``label_included``, the column ASReview reads."""
    path = OUT / "screening" / "data" / filename
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        source = screening_sets.FOLDER / filename
        with source.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
        tmp = path.with_suffix(".tmp")
        with tmp.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["title", "abstract", "label_included"])
            for row in rows:
                writer.writerow([row["title"], row["abstract"] or "", row[label_column]])
        tmp.rename(path)
    return path


def run(filename: str, label_column: str, seed: int) -> dict:
    found = cached(filename, seed)
    if found is not None:
        return found
    labels = screening_sets.load(filename, label_column).labels
    priors = choose_priors(labels, 1, 1, np.random.default_rng(seed))
    data = _dataset_csv(filename, label_column)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        project = Path(tmp) / "sim.asreview"
        start = time.perf_counter()
        subprocess.run(
            [str(asreview_executable()), "simulate", str(data), "--prior-idx", *map(str, priors),
             "--seed", str(seed), "-o", str(project)],
            check=True, capture_output=True, text=True, cwd=tmp,
        )
        seconds = time.perf_counter() - start
        with zipfile.ZipFile(project) as archive:
            archive.extract("results.db", tmp)
        with sqlite3.connect(Path(tmp) / "results.db") as db:
            order = [
                row for (row,) in db.execute(
                    "SELECT record.dataset_row FROM results JOIN record USING (record_id) ORDER BY results.rowid"
                )
            ]
    screened_labels = [labels[i] for i in order]
    result = {
        "asreview": ASREVIEW_VERSION, "model": "elas_u4", "seed": seed, "priors": priors,
        "order": order, "labels": screened_labels, "seconds": seconds,
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    cache_path(filename, seed).write_text(json.dumps(result))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    args = parser.parse_args()
    for seed in args.seeds:
        for name, filename, label_column in screening_sets.SETS:
            result = run(filename, label_column, seed)
            print(f"{name} seed {seed}: {len(result['order'])} screened, {result['seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
