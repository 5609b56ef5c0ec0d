import csv
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from review.dedup.rules import SAME_TITLE_AGAIN
from review.models import AuditEvent, DuplicatePair, Record
from review.models.duplicates import PairStatus
from review.services.duplicates import (
    ALREADY_MERGED,
    NOT_MERGED,
    NOT_PENDING,
    dedup_run,
    duplicate_confirm,
    duplicate_reject,
    record_merge,
    record_unmerge,
)
from review.services.imports import import_records
from review.services.sources import source_create

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "files"


def _import(team, source, name, **kwargs):
    return import_records(review=team.review, source=source, filename=name,
                          data=(FILES / name).read_bytes(), actor=team.lead, **kwargs)


def _by_title(fragment, **filters):
    return Record.objects.filter(title__icontains=fragment, **filters)


def test_import_merges_a_certain_duplicate_and_keeps_the_erratum_apart(team, source):
    _import(team, source, "dups.ris")
    dalakas = list(_by_title("controlled trial of high-dose").order_by("position"))
    assert len(dalakas) == 2
    merged = [r for r in dalakas if r.duplicate_of_id]
    assert len(merged) == 1 and merged[0].duplicate_of_id in {r.pk for r in dalakas}
    assert not _by_title("Results and long-term followup", duplicate_of__isnull=False).exists()
    pair = DuplicatePair.objects.get(status=PairStatus.MERGED)
    assert pair.automatic and pair.score >= 0.9
    assert AuditEvent.objects.filter(action="duplicate.merged").count() == 1


def test_duplicates_across_sources_keep_both_sources(team, source):
    embase = source_create(review=team.review, actor=team.lead, name="Embase")
    _import(team, source, "three.ris")
    _import(team, embase, "dups.ris")
    dalakas = Record.objects.filter(title__icontains="controlled trial of high-dose")
    assert {r.source.name for r in dalakas} == {"PubMed", "Embase"}
    assert dalakas.filter(duplicate_of__isnull=True).count() == 1
    # The record that stays is the one already in the review.
    assert dalakas.get(duplicate_of__isnull=True).source.name == "PubMed"


def test_unmerge_puts_the_record_back_and_is_audited(team, source):
    _import(team, source, "dups.ris")
    merged = Record.objects.get(duplicate_of__isnull=False)
    record_unmerge(record=merged, actor=team.lead, reason="different trial arms")
    merged.refresh_from_db()
    assert merged.duplicate_of_id is None
    assert DuplicatePair.objects.get().status == PairStatus.UNMERGED
    assert AuditEvent.objects.get(action="duplicate.unmerged").reason == "different trial arms"
    with pytest.raises(ValidationError) as exc:
        record_unmerge(record=merged, actor=team.lead)
    assert exc.value.messages == [NOT_MERGED]
    # A later run does not merge again what a person un-merged.
    assert dedup_run(review=team.review).merged == 0


def test_manual_merge_goes_to_the_root_and_refuses_a_second_merge(team, source):
    _import(team, source, "three.ris", dedup=False)
    a, b, c = Record.objects.order_by("position")
    record_merge(record=b, into=a, actor=team.lead)
    record_merge(record=c, into=b, actor=team.lead)  # b is merged: c goes to a
    c.refresh_from_db()
    assert c.duplicate_of_id == a.pk
    with pytest.raises(ValidationError) as exc:
        record_merge(record=c, into=a, actor=team.lead)
    assert exc.value.messages == [ALREADY_MERGED.format(pk=c.pk, into=a.pk)]


def test_queue_decisions_and_a_second_decision_is_refused(team, source):
    _import(team, source, "three.ris", dedup=False)
    a, b, _ = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=0.7, decision="maybe")
    duplicate_reject(pair=pair, actor=team.lead)
    with pytest.raises(ValidationError) as exc:
        duplicate_confirm(pair=pair, actor=team.lead)
    assert exc.value.messages == [NOT_PENDING.format(status="Not duplicates")]
    other = DuplicatePair.objects.create(review=team.review, record=a, kept=b, score=0.7, decision="maybe")
    duplicate_confirm(pair=other, actor=team.lead)
    a.refresh_from_db()
    assert a.duplicate_of_id == b.pk


def test_side_by_side_page_and_keyboard_decision(client_for, team, source):
    _import(team, source, "three.ris", dedup=False)
    a, b, _ = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=0.7, decision="maybe")
    client = client_for(team.lead)
    page = client.get(reverse("review:duplicate_pair", args=[team.review.slug, pair.pk])).content.decode()
    assert "<mark>" in page and 'data-key="m"' in page
    assert "&lt;script&gt;" in page  # the abstract's script tag is escaped inside the diff
    response = client.post(reverse("review:duplicate_decide", args=[team.review.slug, pair.pk]), {"decision": "merge"})
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.duplicate_of_id == a.pk


def test_a_pair_kept_apart_by_the_rules_says_why_it_is_asked(client_for, team, source):
    _import(team, source, "three.ris", dedup=False)
    a, b, _ = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=0.8, decision="maybe",
                                        reasons=["years-and-dois-differ", SAME_TITLE_AGAIN, "title=1.00"])
    page = client_for(team.rev1).get(reverse("review:duplicate_pair", args=[team.review.slug, pair.pk])).content.decode()
    assert "a paper printed twice" in page and "never merges these by itself" in page


def test_reviewer_cannot_decide_pairs(client_for, team, source):
    _import(team, source, "three.ris", dedup=False)
    a, b, _ = Record.objects.order_by("position")
    pair = DuplicatePair.objects.create(review=team.review, record=b, kept=a, score=0.7, decision="maybe")
    url = reverse("review:duplicate_decide", args=[team.review.slug, pair.pk])
    assert client_for(team.rev1).post(url, {"decision": "merge"}).status_code == 403
    assert client_for(team.lead).get(url).status_code == 405


def test_dedup_command_reports_one_row_per_record(team, source, tmp_path, capsys):
    _import(team, source, "dups.ris", dedup=False)
    report = tmp_path / "report.csv"
    call_command("dedup", "ivig", "--dry-run", "--report", str(report))
    assert "Would merge 1 duplicate" in capsys.readouterr().out
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 0
    rows = list(csv.DictReader(report.open()))
    assert len(rows) == 4 and [r["position"] for r in rows] == ["1", "2", "3", "4"]
    assert sorted(r["decision"] for r in rows) == ["auto", "none", "none", "none"]
    call_command("dedup", "ivig", "--report", str(report))
    rows = list(csv.DictReader(report.open()))
    assert sorted(r["decision"] for r in rows) == ["auto", "none", "none", "none"]
    assert Record.objects.filter(duplicate_of__isnull=False).count() == 1


def test_merging_screened_records_keeps_every_decision_and_flags_disagreement(team, source):
    from review.models.screening import ScreeningDecision, Stage
    from review.screening.services import decision_record, stages_sync

    _import(team, source, "three.ris", dedup=False)
    stages_sync(review=team.review)
    a, b, _ = Record.objects.order_by("position")
    for reviewer in (team.rev1, team.rev2):
        decision_record(review=team.review, record=a, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer, vote="include")
        decision_record(review=team.review, record=b, stage=Stage.TITLE_ABSTRACT, reviewer=reviewer, vote="exclude")
    pair = record_merge(record=b, into=a, actor=team.lead)
    assert ScreeningDecision.objects.filter(record__in=[a, b]).count() == 4
    assert any(r.startswith("screening disagrees at title_abstract") for r in pair.reasons)
    event = AuditEvent.objects.filter(action="duplicate.merged").latest("id")
    assert event.new_value["screening_disagreements"]
