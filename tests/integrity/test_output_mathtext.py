"""User text with dollar signs prints as typed in every plot: the PRISMA diagram (source
names, exclusion reasons), forest and funnel plots (study labels, subgroup names) and the
risk-of-bias figures (study labels). matplotlib's mathtext would fail on most such text."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.integrity.output_data import PDF_BYTES

pytestmark = pytest.mark.django_db
MATH = r"$\frac{a}{b}$ 50$ and $x^2$"
# An even number of dollar signs, and mathtext that does not parse: it raised, not printed.
BROKEN = r"$\frac{a}$ and $x^2$"
MAGIC = {"svg": b"<?xml", "png": b"\x89PNG", "pdf": b"%PDF"}


@pytest.fixture
def dollars(team, settings, tmp_path):
    from analysis import demo
    from analysis.services import analyses_run_all, analysis_create
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Record, RecordImport, Study
    from review.screening.services import decision_record, fulltext_attach
    from review.services.exclusions import exclusion_reason_save
    from review.services.sources import source_create

    settings.MEDIA_ROOT = tmp_path / "media"
    review, lead, pair = team.review, team.lead, [team.rev1, team.rev2]
    source = source_create(review=review, actor=lead, name=f"{MATH} source", kind="database")
    reason = exclusion_reason_save(review=review, actor=lead, label=f"{BROKEN} reason", position=99, expected_version=None)
    upload = RecordImport.objects.create(review=review, source=source, filename="m.ris", sha256="e" * 64,
                                         status="done")
    record = Record.objects.create(review=review, record_import=upload, source=source, position=1, title="T")
    for reviewer in pair:
        decision_record(review=review, record=record, stage="title_abstract", reviewer=reviewer, vote="include")
    fulltext_attach(record=record, actor=lead, pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
    for reviewer in pair:
        decision_record(review=review, record=record, stage="full_text", reviewer=reviewer, vote="exclude",
                        exclusion_reason=reason)

    subgroup = f"{BROKEN} alternate"
    trial_fields = [dict(f) for f in demo.SCHEMA["sections"][0]["fields"]]
    trial_fields[2]["choices"] = ["random", subgroup, "systematic"]
    schema = {**demo.SCHEMA, "sections": [{**demo.SCHEMA["sections"][0], "fields": trial_fields}]}
    form_publish(review=review, schema=schema, actor=lead)
    for n, trial in enumerate(demo.trials()):
        study = Study.objects.create(review=review, label=f"{(MATH, BROKEN)[n % 2]} {n}", created_by=lead)
        assignment_set(study=study, kind="extraction", users=pair, actor=lead, expected_version=None)
        values = demo.values_of(trial)
        if values["allocation"] == "alternate":
            values["allocation"] = subgroup
        for user in pair:
            demo._enter(study, user, values)
        demo._settle_and_lock(study, "extraction", lead)
        demo._appraise(study, trial, lead, pair)
    analysis_create(review=review, actor=lead, values={**demo.ANALYSES[0], "name": f"{MATH} analysis"})
    runs = analyses_run_all(review=review, actor=lead)
    assert all("pooled" in run.results for run in runs)
    return review


def _text(svg: bytes) -> str:
    return html.unescape(svg.decode())


def test_prisma_diagram_prints_dollar_signs_as_typed(team, dollars, client_for):
    client = client_for(team.lead)
    for fmt, magic in MAGIC.items():
        response = client.get(reverse("review:prisma_download", args=[dollars.slug, fmt]))
        assert response.status_code == 200 and response.content.startswith(magic), fmt
    svg = _text(client.get(reverse("review:prisma_download", args=[dollars.slug, "svg"])).content)
    assert f"{MATH} source (n = 1)" in svg
    assert f"{BROKEN} reason (n = 1)" in svg


def test_forest_and_funnel_print_dollar_signs_as_typed(team, dollars, client_for):
    client = client_for(team.lead)
    analysis = dollars.analyses.get()
    for kind in ("forest", "funnel"):
        for fmt, magic in MAGIC.items():
            response = client.get(reverse("analysis:plot", args=[dollars.slug, analysis.pk, kind, fmt]))
            assert response.status_code == 200 and response.content.startswith(magic), (kind, fmt)
    forest = _text(client.get(reverse("analysis:plot", args=[dollars.slug, analysis.pk, "forest", "svg"])).content)
    assert f"{MATH} 0" in forest and f"{BROKEN} 1" in forest and f"{BROKEN} alternate" in forest
    page = client.get(reverse("analysis:detail", args=[dollars.slug, analysis.pk]))
    assert page.status_code == 200


def test_risk_of_bias_figures_print_dollar_signs_as_typed(team, dollars, client_for):
    client = client_for(team.lead)
    url = reverse("extraction:plot", args=[dollars.slug])
    for style in ("traffic_light", "summary"):
        for fmt, magic in MAGIC.items():
            response = client.get(url, {"instrument": "rob1", "style": style, "format": fmt})
            assert response.status_code == 200 and response.content.startswith(magic), (style, fmt)
    svg = _text(client.get(url, {"instrument": "rob1", "style": "traffic_light", "format": "svg"}).content)
    assert f"{MATH} 0" in svg and f"{BROKEN} 1" in svg
