"""Benchmark the analysis pages and recomputation: 200 studies, 30 analyses (issue 7).

Run from the repository root:

    .venv/bin/python bench/bench_analysis.py

Targets: the results page renders in at most 1 s once computed (plots cached); a full
recomputation of every analysis takes at most 30 s.

The studies are synthetic, drawn from a seeded random generator, and exist only in a
throw-away SQLite database: they are benchmark load, not data. They are written as locked
consensus rows directly (the extraction services are not what is measured here).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DB = Path(tempfile.mkdtemp(prefix="concord-bench-analysis-")) / "bench.sqlite3"
os.environ["DJANGO_SETTINGS_MODULE"] = "concord.test_settings"
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from bench._common import machine, median  # noqa: E402

N_STUDIES = 200
N_ANALYSES = 30
ARMS = ["Treatment", "Control"]
MEASURES = ["RR", "OR", "RD", "MD", "SMD", "ROM", "PLO", "PFT", "MN", "PR"]


def schema() -> dict:
    outcomes = [
        {"key": f"bin{i}", "name": f"Binary {i}", "type": "binary", "repeat": "arm"}
        for i in range(10)
    ]
    outcomes += [
        {"key": f"con{i}", "name": f"Continuous {i}", "type": "continuous", "repeat": "arm"}
        for i in range(10)
    ]
    return {
        "arms": ARMS,
        "timepoints": [],
        "sections": [
            {
                "title": "Study",
                "fields": [
                    {
                        "key": "route",
                        "label": "Route",
                        "type": "single_choice",
                        "choices": ["IV", "SC"],
                    },
                    {
                        "key": "publication_type",
                        "label": "Publication type",
                        "type": "single_choice",
                        "choices": ["Full text", "Conference abstract"],
                    },
                ],
            }
        ],
        "outcomes": outcomes,
    }


def study_data(rng) -> dict:
    data = {
        "route": str(rng.choice(["IV", "SC"])),
        "publication_type": str(rng.choice(["Full text", "Conference abstract"], p=[0.8, 0.2])),
    }
    for i in range(10):
        for arm, risk in zip(ARMS, (0.25, 0.35), strict=True):
            n = int(rng.integers(20, 400))
            data[f"bin{i}.events@{arm}"] = int(rng.binomial(n, risk * np.exp(rng.normal(0, 0.3))))
            data[f"bin{i}.total@{arm}"] = n
        for arm, mu in zip(ARMS, (52.0, 48.0), strict=True):
            n = int(rng.integers(10, 200))
            data[f"con{i}.n@{arm}"] = n
            if rng.random() < 0.2:  # reported as median and range, converted by collect
                med = mu + rng.normal(0, 3)
                data[f"con{i}.median@{arm}"] = f"{med:.1f}"
                data[f"con{i}.min@{arm}"] = f"{med - 20:.1f}"
                data[f"con{i}.max@{arm}"] = f"{med + 22:.1f}"
            else:
                data[f"con{i}.mean@{arm}"] = f"{mu + rng.normal(0, 3):.2f}"
                data[f"con{i}.sd@{arm}"] = f"{abs(rng.normal(10, 2)):.2f}"
    return data


def build():
    from analysis.models import Analysis
    from extraction.models import Consensus, FormVersion
    from extraction.services.consensus import consensus_lock
    from review.models import Study
    from review.services.reviews import review_create, user_create

    call_command("migrate", verbosity=0)
    lead = user_create(username="bench_lead", password="bench-only-password-1")
    review = review_create(title="Benchmark (synthetic)", slug="bench", lead=lead)
    form = FormVersion.objects.create(review=review, number=1, schema=schema(), created_by=lead)
    rng = np.random.default_rng(20260101)
    studies = Study.objects.bulk_create(
        Study(review=review, label=f"Synthetic {i:03d}", created_by=lead) for i in range(N_STUDIES)
    )
    rows = []
    for study in studies:
        rows.append(Consensus(study=study, kind="extraction", form_version=form, data=study_data(rng)))
    # Locked through the service: the database accepts a lock only beside its ledger event.
    for c in Consensus.objects.bulk_create(rows):
        consensus_lock(consensus=c, actor=lead, expected_version=None)
    for j in range(N_ANALYSES):
        measure = MEASURES[j % len(MEASURES)]
        one_arm = measure in ("PLO", "PFT", "MN", "PR")
        binary = measure in ("RR", "OR", "RD", "PLO", "PFT", "PR")
        Analysis.objects.create(
            review=review,
            name=f"Analysis {j:02d} ({measure})",
            position=j + 1,
            outcome=f"{'bin' if binary else 'con'}{j % 10}",
            arm1="Treatment",
            arm2="" if one_arm else "Control",
            measure=measure,
            method="auto",
            subgroup_field="route",
            sensitivity=[
                {
                    "label": "Drop conference abstracts",
                    "kind": "exclude",
                    "conditions": [
                        {"field": "publication_type", "op": "contains", "value": "abstract"}
                    ],
                },
                {"label": "Drop influential outliers", "kind": "outliers"},
            ],
            small_study_tests=["egger", "begg", "trimfill"]
            + (["harbord"] if binary and not one_arm else []),
        )
    return review, lead


def timed(fn, repeat=1):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return median(times)


def main() -> None:
    from analysis import figures
    from analysis.selectors import latest_run
    from analysis.services import analyses_run_all, analysis_run

    review, lead = build()
    print("built", file=sys.stderr, flush=True)
    recompute = timed(lambda: analyses_run_all(review=review), repeat=3)
    print(f"recompute {recompute:.1f} s", file=sys.stderr, flush=True)
    first = review.analyses.order_by("position").first()
    run = latest_run(first)
    plot_first = timed(lambda: figures.cached_svg(run, "forest"))
    one_with_plots = timed(lambda: analysis_run(analysis=first, with_figures=True))
    figures.cached_svg(run, "funnel")

    client = Client()
    client.force_login(lead)

    def get(name, *args):
        response = client.get(reverse(name, args=[review.slug, *args]))
        assert response.status_code == 200, (name, response.status_code)

    detail = timed(lambda: get("analysis:detail", first.pk), repeat=5)
    plot_cached = timed(lambda: get("analysis:plot", first.pk, "forest", "svg"), repeat=5)
    listing = timed(lambda: get("analysis:list"), repeat=5)
    for a in review.analyses.all():
        for kind in figures.KINDS:
            figures.cached_svg(latest_run(a), kind)
    report = timed(lambda: get("analysis:report"), repeat=3)

    k = run.results["k"]
    print(
        f"Machine: {machine()}. {N_STUDIES} synthetic locked studies, {N_ANALYSES} analyses "
        f"(subgroups, 2 sensitivity variants, leave-one-out, influence, small-study tests each); "
        f"the first analysis pools k = {k}.\n"
    )
    print("| Measure | Median | Target |")
    print("|---|---:|---:|")
    print(
        f"| Full recomputation of {N_ANALYSES} analyses (numbers; plots drawn on first view) "
        f"| {recompute:.2f} s | ≤ 30 s |"
    )
    print(
        f"| One analysis run from the page (k = {k}, with both plots) | {one_with_plots:.2f} s | |"
    )
    print(f"| Results page, computed run | {detail * 1000:.0f} ms | ≤ 1 s |")
    print(f"| Forest plot SVG, cached | {plot_cached * 1000:.0f} ms | |")
    print(f"| Forest plot SVG, first view (drawn and cached) | {plot_first:.2f} s | |")
    print(f"| Analyses list (all {N_ANALYSES}, staleness checked) | {listing * 1000:.0f} ms | |")
    print(f"| Review report (every table; plots as cached images) | {report * 1000:.0f} ms | |")


if __name__ == "__main__":
    main()
