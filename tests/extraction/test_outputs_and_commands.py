"""Outputs (tables, plots, agreement), the appraisal double entry, the starter template and the
management commands."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from extraction.formspec import cells, validate
from extraction.models import Consensus
from extraction.outputs import agreement, plots, tables
from extraction.outputs.agreement import cohen_kappa
from extraction.selectors import locked_consensus
from review.blinding import shown_fingerprint

pytestmark = pytest.mark.django_db

TEMPLATE = Path(__file__).resolve().parents[2] / "fixtures" / "extraction" / "ivig_iim_form.json"

LOW = {"1.1": "Y", "1.2": "Y", "1.3": "N", "2.1": "N", "2.2": "N", "2.6": "Y", "3.1": "Y", "4.1": "N",
       "4.2": "N", "4.3": "N", "5.1": "Y", "5.2": "N", "5.3": "N"}


@pytest.fixture
def appraised(team, assigned, fill):
    """RoB 2 double entry: the assessors disagree on 1.2 (Y vs N), settled as Y, then locked."""
    from extraction.services.appraisal import appraisal_plan_set
    from extraction.services.assignments import assignment_set
    from extraction.services.consensus import consensus_lock
    from extraction.services.reconciliation import discrepancy_resolve

    appraisal_plan_set(study=assigned, design="rct", actor=team.lead, expected_version=None)
    assignment_set(study=assigned, kind="appraisal", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    fill(assigned, team.rev1, LOW, kind="appraisal")
    fill(assigned, team.rev2, LOW | {"1.2": "N"}, kind="appraisal")
    consensus = Consensus.objects.get(kind="appraisal")
    item = consensus.discrepancies.get()
    assert item.key == "1.2"
    discrepancy_resolve(discrepancy=item, choice="a", actor=team.arbiter, reason="Central randomisation",
                        expected_version=consensus.version)
    consensus.refresh_from_db()
    return consensus_lock(consensus=consensus, actor=team.lead, expected_version=consensus.version)


def test_starter_template_is_a_valid_form_with_the_worked_example_fields():
    schema = validate(json.loads(TEMPLATE.read_text())["schema"])
    keys = {f["key"] for s in schema["sections"] for f in s["fields"]} | {o["key"] for o in schema["outcomes"]}
    assert {"study_design", "country", "population", "n_dm", "n_imnm", "n_ass", "n_pm", "n_overlap", "age",
            "female_percent", "disease_duration", "route", "dose", "cycles", "interval", "previous_is",
            "concomitant_is", "follow_up", "complete_response", "partial_response", "relapse", "time_to_response",
            "mmt8", "mrc", "cpk", "prednisolone", "steroid_discontinued", "is_discontinued", "adverse_events",
            "infections", "publication_type", "response_assessment"} <= keys
    assert "complete_response.events@IVIg/SCIg@6 months" in {c.key for c in cells(schema)}


def test_load_extraction_template_command_publishes_it(team):
    out = io.StringIO()
    call_command("load_extraction_template", team.review.slug, stdout=out)
    assert "version 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("load_extraction_template", "no-such-review")


def test_rob2_double_entry_locks_with_derived_judgements(team, appraised):
    frame = tables.appraisal_frame(team.review)
    assert frame.loc[0, "Overall"] == "Low"
    assert frame.loc[0, "D1: Bias arising from the randomisation process"] == "Low"


def test_plots_render_in_every_format(team, appraised):
    rows = plots.assessments(team.review, "rob2")
    assert rows == [("Lim 2020", {"d1": "low", "d2": "low", "d3": "low", "d4": "low", "d5": "low"}, "low")]
    assert plots.traffic_light(rows, "rob2", "svg").startswith(b"<?xml")
    assert plots.summary(rows, "rob2", "pdf")[:4] == b"%PDF"
    assert plots.summary(rows, "rob2", "png", weights={"Lim 2020": 3.0})[:4] == b"\x89PNG"
    # The same data draws the same bytes, so exported plots can be compared.
    assert plots.traffic_light(rows, "rob2", "svg") == plots.traffic_light(rows, "rob2", "svg")


def test_agreement_statistics(team, locked, appraised):
    pairs = agreement.pair_agreement(team.review)
    assert pairs[0]["pair"] == "rosa_reviewer & rui_reviewer"
    assert pairs[0]["cells"] == 8 and pairs[0]["agreed"] == 7
    kappas = {k["domain"]: k for k in agreement.domain_kappas(team.review)}
    d1 = kappas["Bias arising from the randomisation process"]
    assert d1["studies"] == 1 and d1["agreement"] == 0.0


def test_cohen_kappa_reference_values():
    # 2x2 example: observed 0.7, expected 0.5 -> kappa 0.4.
    pairs = [("y", "y")] * 25 + [("y", "n")] * 10 + [("n", "y")] * 5 + [("n", "n")] * 10
    assert cohen_kappa(pairs) == pytest.approx((35 / 50 - (35 * 30 + 15 * 20) / 2500) / (1 - (35 * 30 + 15 * 20) / 2500))
    assert cohen_kappa([]) is None
    assert cohen_kappa([("a", "a")]) is None


def test_export_and_lock_status_commands(team, locked, appraised, tmp_path):
    out = io.StringIO()
    call_command("export_extraction", team.review.slug, "--out", str(tmp_path), stdout=out)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"study_characteristics.csv", "study_characteristics.xlsx", "extraction_long.csv",
            "appraisal_summary.csv", "agreement_pairs.csv", "agreement_domains.csv", "traffic_light_rob2.svg",
            "traffic_light_rob2.png", "traffic_light_rob2.pdf", "summary_rob2.svg"} <= names
    out = io.StringIO()
    call_command("lock_status", team.review.slug, stdout=out)
    text = out.getvalue()
    assert "Lim 2020" in text and "locked" in text
    raw = locked_consensus(team.review).fingerprint
    # People read the keyed fingerprint; the raw SHA-256 stays internal.
    assert shown_fingerprint(raw) in text and raw not in text
    from extraction.management.commands.lock_status import INTACT

    assert INTACT in text
