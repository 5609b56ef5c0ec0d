"""run_analyses recomputes everything and writes the exports; load_demo_analysis loads BCG."""

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analysis.models import Analysis
from analysis.selectors import latest_run

pytestmark = pytest.mark.django_db


def test_run_analyses_writes_every_export(team, bcg, tmp_path):
    out = io.StringIO()
    call_command("run_analyses", team.review.slug, "-o", str(tmp_path / "out"), stdout=out)
    root = tmp_path / "out"
    pooled = pd.read_csv(root / "pooled.csv")
    assert (
        len(pooled) == 2
        and pooled.iloc[0]["estimate"] == latest_run(bcg).results["pooled"]["estimate"]
    )
    folder = root / f"{bcg.position:02d}-bcg-vaccine-and-tuberculosis-risk-ratio"
    names = {p.name for p in folder.iterdir()}
    assert names == {
        "pooled.csv",
        "tables.xlsx",
        "data.csv",
        "forest.svg",
        "forest.png",
        "forest.pdf",
        "funnel.svg",
        "funnel.png",
        "funnel.pdf",
    }
    assert (folder / "forest.pdf").read_bytes().startswith(b"%PDF")
    assert "Wrote 2 analyses" in out.getvalue()


def test_run_analyses_names_an_unknown_review(db, tmp_path):
    with pytest.raises(CommandError, match="No review with slug 'nope'"):
        call_command("run_analyses", "nope", "-o", str(tmp_path))


def test_load_demo_analysis_walks_the_real_path_once(db):
    from analysis.demo import trials
    from analysis.meta import escalc, rma
    from extraction.models import Consensus, Discrepancy

    out = io.StringIO()
    call_command("load_demo_analysis", stdout=out)
    consensus = Consensus.objects.filter(study__review__slug="bcg-vaccine")
    assert consensus.filter(kind="appraisal", status="locked").count() == 13
    assert consensus.filter(kind="extraction", status="locked").count() == 12
    # The slip in trial 4 was settled for the published count; trial 13's waits.
    settled = Discrepancy.objects.get(consensus__study__notes__startswith="Trial 4 of")
    assert (settled.choice, settled.value, settled.value_b) == ("a", 248, 284)
    waiting = consensus.get(kind="extraction", status="open")
    assert waiting.study.label == "Comstock et al 1976"
    assert list(waiting.discrepancies.values_list("key", "choice")) == [("tb.total@BCG", "")]

    # Until then the pooled value is the engine's over the 12 locked trials.
    locked = [t for t in trials() if t["trial"] != "13"]
    expected = rma(escalc("RR", ai=[int(t["tpos"]) for t in locked], bi=[int(t["tneg"]) for t in locked],
                          ci=[int(t["cpos"]) for t in locked], di=[int(t["cneg"]) for t in locked]),
                   method="REML")
    analysis = Analysis.objects.get(review__slug="bcg-vaccine", measure="RR")
    pooled = latest_run(analysis).results["pooled"]
    assert pooled["k"] == 12
    assert pooled["estimate"] == pytest.approx(expected.estimate, rel=1e-12)
    assert "k = 12" in out.getvalue() and "Comstock et al 1976, waits" in out.getvalue()
    call_command("load_demo_analysis", stdout=out)
    assert "already loaded" in out.getvalue()
