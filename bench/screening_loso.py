"""Choosing the ranking model's defaults by leave-one-set-out over the seven labelled sets.

For every candidate setting, Concord's simulation (``review.screening.simulation.simulate``, one
prior include and one prior exclude) runs on every set with the selection seeds, which are not the
benchmark's seeds. Leave-one-set-out: for each set, the setting with the best mean WSS@95 over the
*other* six sets is chosen and scored on the one left out, both with the selection seeds and with the
benchmark's seeds (``SCORING_SEEDS``, which played no part in the choice); that is what a new review
can expect. The in-sample row scores each setting on all seven. Runs are cached under
``bench/out/screening/loso``.

    .venv/bin/python -m bench.screening_loso
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench import screening_sets  # noqa: E402
from bench.screening_metrics import order_metrics  # noqa: E402
from review.screening.ranking import RankerSettings  # noqa: E402
from review.screening.simulation import simulate  # noqa: E402

CACHE = REPO_ROOT / "bench" / "out" / "screening" / "loso"
SELECTION_SEEDS = (101, 102)
SCORING_SEEDS = (0, 1, 2, 3, 4)

# w is include_weight: the includes' total weight relative to the excludes'. ELAS u4 is ASReview's
# default (C = 0.11, w = 9.8, TF-IDF 1-2-grams). min_df is pinned, as the default changed to 2 on
# 2026-12-06 and each row must stay the setting it was measured as.
CANDIDATES = {
    "svm C=0.11 w=1": RankerSettings(C=0.11, include_weight=1.0, min_df=1),
    "svm C=0.11 w=9.8 (ELAS u4)": RankerSettings(C=0.11, include_weight=9.8, min_df=1),
    "svm C=0.11 w=3": RankerSettings(C=0.11, include_weight=3.0, min_df=1),
    "svm C=1 w=1": RankerSettings(C=1.0, include_weight=1.0, min_df=1),
    "svm C=0.11 w=1 words only": RankerSettings(C=0.11, include_weight=1.0, ngram_max=1, min_df=1),
    "logistic C=10 w=1": RankerSettings(classifier="logistic", C=10.0, include_weight=1.0, min_df=1),
    # Added on 2026-12-06: two rank-averaged ensembles and rare terms dropped, each on svm C=1 w=1.
    "svm C=1 w=1 + complement NB": RankerSettings(second="nb", min_df=1),
    "svm C=1 w=1 + logistic C=1": RankerSettings(second="logistic", min_df=1),
    "svm C=1 w=1 min_df=2": RankerSettings(min_df=2),
}


def _key(settings: RankerSettings) -> str:
    return hashlib.sha1(json.dumps(settings.as_dict(), sort_keys=True).encode()).hexdigest()[:10]


def run(settings: RankerSettings, filename: str, label_column: str, seed: int, labelled=None) -> dict:
    path = CACHE / f"{_key(settings)}-{Path(filename).stem}-seed{seed}.json"
    if path.exists():
        return json.loads(path.read_text())
    labelled = labelled or screening_sets.load(filename, label_column)
    rows = list(simulate(labelled.texts, labelled.labels, seed=seed, settings=settings))
    labels = [row.label for row in rows]
    stop_at = next((row.step for row in rows if row.stop), None)
    result = {
        "settings": settings.as_dict(), "seed": seed, "order": [row.position - 1 for row in rows],
        **order_metrics(labels, len(labels), sum(labels), stop_at),
    }
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result))
    return result


def set_means(seeds=SELECTION_SEEDS) -> dict[str, dict[str, float]]:
    """Mean WSS@95 of each candidate on each set."""
    means: dict[str, dict[str, float]] = {}
    for name, filename, column in screening_sets.SETS:
        labelled = screening_sets.load(filename, column)
        for label, settings in CANDIDATES.items():
            values = [run(settings, filename, column, seed, labelled)["wss95"] for seed in seeds]
            means.setdefault(label, {})[name] = statistics.mean(values)
            print(f"  {name:32s} {label:28s} WSS@95 {means[label][name]:.3f}", file=sys.stderr, flush=True)
    return means


def leave_one_set_out(means: dict[str, dict[str, float]]) -> list[tuple[str, str, float, float]]:
    """(held-out set, setting chosen on the others, its WSS@95 on the held-out set with the
    selection seeds, and with the scoring seeds)."""
    files = {name: (filename, column) for name, filename, column in screening_sets.SETS}
    rows = []
    for held_out in files:
        others = [s for s in files if s != held_out]
        chosen = max(CANDIDATES, key=lambda label: statistics.mean(means[label][s] for s in others))
        filename, column = files[held_out]
        labelled = screening_sets.load(filename, column)
        scored = statistics.mean(
            run(CANDIDATES[chosen], filename, column, seed, labelled)["wss95"] for seed in SCORING_SEEDS
        )
        rows.append((held_out, chosen, means[chosen][held_out], scored))
    return rows


def markdown(means, loso) -> str:
    sets = [name for name, _, _ in screening_sets.SETS]
    lines = [
        f"Mean WSS@95 over selection seeds {', '.join(map(str, SELECTION_SEEDS))} (one prior include, one prior exclude).",
        "",
        "| Setting | " + " | ".join(sets) + " | Mean |",
        "|---|" + "---:|" * (len(sets) + 1),
    ]
    for label in CANDIDATES:
        values = [means[label][s] for s in sets]
        lines.append(f"| {label} | " + " | ".join(f"{v:.3f}" for v in values) + f" | {statistics.mean(values):.3f} |")
    seeds = ", ".join(map(str, SCORING_SEEDS))
    lines += ["", "Leave-one-set-out (setting chosen on the other six sets, selection seeds):", "",
              f"| Held-out set | Chosen setting | WSS@95 held out, selection seeds | held out, seeds {seeds} |",
              "|---|---|---:|---:|"]
    lines += [f"| {s} | {c} | {w:.3f} | {x:.3f} |" for s, c, w, x in loso]
    lines.append(f"| **Mean** | | **{statistics.mean(r[2] for r in loso):.3f}** "
                 f"| **{statistics.mean(r[3] for r in loso):.3f}** |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    means = set_means()
    print(markdown(means, leave_one_set_out(means)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
