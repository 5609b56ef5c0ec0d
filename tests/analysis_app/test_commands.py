"""run_analyses recomputes everything and writes the exports; load_demo_analysis loads BCG."""

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from analysis.models import Analysis
from analysis.selectors import latest_run

from .conftest import REFERENCE

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
    from extraction.models import Consensus

    out = io.StringIO()
    call_command("load_demo_analysis", stdout=out)
    assert (
        Consensus.objects.filter(study__review__slug="bcg-vaccine", status="locked").count() == 13
    )
    analysis = Analysis.objects.get(review__slug="bcg-vaccine", measure="RR")
    assert latest_run(analysis).results["pooled"]["estimate"] == pytest.approx(
        REFERENCE["estimate"], rel=1e-6
    )
    assert "0.49 [0.34, 0.70], k = 13" in out.getvalue()
    call_command("load_demo_analysis", stdout=out)
    assert "already loaded" in out.getvalue()
