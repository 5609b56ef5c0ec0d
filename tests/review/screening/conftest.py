"""Records to screen, and shortcuts to move them through the stages."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from review.models import Record, RecordImport
from review.models.screening import Stage

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def make_records(team, source):
    counter = {"import": 0}

    def make(n: int, *, source_obj=None, titles=None):
        counter["import"] += 1
        src = source_obj or source
        record_import = RecordImport.objects.create(
            review=team.review, source=src, filename=f"f{counter['import']}.ris", sha256=f"{counter['import']:064d}",
            status="done",
        )
        return [
            Record.objects.create(
                review=team.review, record_import=record_import, source=src, position=i + 1,
                title=(titles[i] if titles else f"Trial {counter['import']}-{i + 1} of IVIg in myositis"),
                abstract="Patients with dermatomyositis received IVIg.", year=2000 + i,
            )
            for i in range(n)
        ]

    return make


@pytest.fixture
def records(make_records):
    return make_records(4)


@pytest.fixture
def vote(team):
    from review.screening.services import decision_record

    def cast(record, reviewer, vote, *, stage=Stage.TITLE_ABSTRACT, **kwargs):
        return decision_record(review=team.review, record=record, stage=stage, reviewer=reviewer, vote=vote, **kwargs)

    return cast


@pytest.fixture
def reasons(team):
    return list(team.review.exclusion_reasons.all())


@pytest.fixture
def at_full_text(team, vote):
    """Advance a record past title/abstract and attach its full text."""
    from review.screening.services import fulltext_attach

    def advance(record):
        vote(record, team.rev1, "include")
        vote(record, team.rev2, "include")
        fulltext_attach(record=record, actor=team.lead, pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
        return record

    return advance


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def small_review_at_full_text(review, settings, tmp_path):
    """The e2e small review's "Alpha" record past title/abstract (both reviewers include) with a PDF."""
    from review.screening.services import decision_record, fulltext_attach

    settings.MEDIA_ROOT = tmp_path / "media"
    record = Record.objects.get(review=review, title__startswith="Alpha")
    for name in ("rui_reviewer", "rosa_reviewer"):
        decision_record(review=review, record=record, stage="title_abstract",
                        reviewer=review.memberships.get(user__username=name).user, vote="include")
    fulltext_attach(record=record, actor=review.memberships.get(is_lead=True).user,
                    pdf=SimpleUploadedFile("a.pdf", PDF_BYTES))
    return record
