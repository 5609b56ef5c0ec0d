"""The blinding policy piece by piece: keyed fingerprints, the audit page's redaction rule,
settled-only rates, votes.csv out of blind mode, and extraction closing with the role."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse

from extraction.fingerprint import fingerprint
from extraction.models import Extraction
from extraction.services.extractions import ROLE_REMOVED, extraction_save, extraction_start
from review.blinding import HIDDEN, shown_fingerprint
from review.models import Membership, RecordImport, RecordStage
from review.models.screening import Stage
from review.screening.selectors import reviewer_stats
from review.screening.services import decision_record, record_send_back
from review.services.reviews import member_set_roles, review_update
from tests.extraction.conftest import SCHEMA

pytestmark = pytest.mark.django_db
NOTE = "QZPOL-note-of-rui"


def _records(team, source, n):
    from review.models import Record

    record_import = RecordImport.objects.create(review=team.review, source=source, filename="p.ris",
                                                sha256="d" * 64, status="done")
    return [Record.objects.create(review=team.review, record_import=record_import, source=source, position=i + 1,
                                  title=f"Record {i + 1}") for i in range(n)]


def _roles(team, user, roles):
    return member_set_roles(membership=Membership.objects.get(review=team.review, user=user), roles=roles,
                            actor=team.lead, expected_version=None)


def _vote(team, record, user, vote, **kwargs):
    return decision_record(review=team.review, record=record, stage=Stage.TITLE_ABSTRACT, reviewer=user, vote=vote,
                           **kwargs)


def _audit(client, team) -> str:
    client.force_login(team.lead)
    return client.get(reverse("review:audit", args=[team.review.slug])).content.decode()


def test_shown_fingerprint_is_keyed_with_the_server_secret():
    raw = hashlib.sha256(b"answers").hexdigest()
    shown = shown_fingerprint(raw)
    assert len(shown) == 64 and shown != raw and shown == shown_fingerprint(raw)
    with override_settings(SECRET_KEY="another-secret-" * 4):
        assert shown_fingerprint(raw) != shown
    assert shown_fingerprint("") == ""


def test_a_lead_who_does_not_screen_reads_every_vote(client, team, source):
    record = _records(team, source, 1)[0]
    _vote(team, record, team.rev1, "include", note=NOTE)
    page = _audit(client, team)
    assert NOTE in page and HIDDEN["screening"] not in page.lower()


def test_a_lead_who_screens_reads_a_vote_only_after_casting_their_own(client, team, source):
    _roles(team, team.lead, ["lead", "reviewer"])
    record = _records(team, source, 1)[0]
    _vote(team, record, team.rev1, "include", note=NOTE)
    page = _audit(client, team)
    assert NOTE not in page and HIDDEN["screening"] in page.lower()
    assert "screening.vote_cast" in page and "rui_reviewer" in page  # who and what stay
    _vote(team, record, team.lead, "include")
    assert NOTE in _audit(client, team)


def test_a_record_sent_back_is_blinded_again(client, team, source):
    _roles(team, team.lead, ["lead", "reviewer"])
    record = _records(team, source, 1)[0]
    _vote(team, record, team.rev1, "exclude", note=NOTE)
    _vote(team, record, team.lead, "include")
    assert NOTE in _audit(client, team)
    row = RecordStage.objects.get(record=record, stage=Stage.TITLE_ABSTRACT)
    record_send_back(record_stage=row, actor=team.lead, reason="protocol amended")
    # The old votes are in the send-back event and in the vote events; the lead must vote again.
    page = _audit(client, team)
    assert NOTE not in page and "protocol amended" not in page


def test_include_rates_count_settled_records_only(team, source):
    waiting, settled = _records(team, source, 2)
    _vote(team, waiting, team.rev1, "include")
    _vote(team, settled, team.rev1, "exclude")
    _vote(team, settled, team.rev2, "exclude")
    rui = next(r for r in reviewer_stats(team.review) if r["reviewer__username"] == "rui_reviewer")
    assert (rui["votes"], rui["settled"], rui["includes"], rui["include_rate"]) == (2, 1, 0, 0.0)
    _vote(team, waiting, team.rev1, "exclude")
    rui_after = next(r for r in reviewer_stats(team.review) if r["reviewer__username"] == "rui_reviewer")
    assert rui_after == rui


def test_votes_csv_out_of_blind_mode_leaves_out_what_the_lead_still_owes(client, team, source):
    _roles(team, team.lead, ["lead", "reviewer"])
    owed, done = _records(team, source, 2)
    review_update(review=team.review, actor=team.lead, version=team.review.version, blind_mode=False)
    _vote(team, owed, team.rev1, "include", note=NOTE)
    _vote(team, done, team.rev1, "exclude", note="seen after my vote")
    _vote(team, done, team.lead, "exclude")
    client.force_login(team.lead)
    response = client.get(reverse("review:export_votes", args=[team.review.slug]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {(int(r["record_id"]), r["reviewer"]) for r in rows} == {(done.pk, "rui_reviewer"), (done.pk, "lena_lead")}


@pytest.fixture
def extraction_pair(team):
    from extraction.services.assignments import assignment_set
    from extraction.services.forms import form_publish
    from review.models import Study

    form_publish(review=team.review, schema=SCHEMA, actor=team.lead)
    study = Study.objects.create(review=team.review, label="Lim 2020", created_by=team.lead)
    assignment_set(study=study, kind="extraction", users=[team.rev1, team.rev2], actor=team.lead, expected_version=None)
    return study


def test_removing_the_reviewer_role_stops_extraction(client, team, extraction_pair):
    from extraction.services.extractions import extraction_submit, parse_values

    study = extraction_pair
    draft = extraction_start(study=study, kind="extraction", user=team.rev2)
    mine = extraction_start(study=study, kind="extraction", user=team.rev1)
    values, _ = parse_values(mine, {"country": "India"})
    mine = extraction_save(extraction=mine, actor=team.rev1, values=values, expected_version=mine.version)
    mine = extraction_submit(extraction=mine, actor=team.rev1, expected_version=mine.version)
    _roles(team, team.rev1, ["arbiter"])
    _roles(team, team.rev2, ["arbiter"])
    with pytest.raises(PermissionDenied) as refused:
        extraction_start(study=study, kind="extraction", user=team.rev2)
    assert str(refused.value) == ROLE_REMOVED
    with pytest.raises(PermissionDenied) as refused:
        extraction_save(extraction=draft, actor=team.rev2, values={"country": "x"}, expected_version=draft.version)
    assert str(refused.value) == ROLE_REMOVED
    client.force_login(team.rev2)
    for name in ("extraction:extract", "extraction:appraise"):
        url = reverse(name, args=[team.review.slug, study.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"version": draft.version, "country": "x"}).status_code == 403
    overview = client.get(reverse("extraction:overview", args=[team.review.slug])).content.decode()
    assert reverse("extraction:extract", args=[team.review.slug, study.pk]) not in overview
    # The submitted work stays as it was.
    kept = Extraction.objects.get(pk=mine.pk)
    assert kept.status == Extraction.SUBMITTED and kept.data == {"country": "India"}


def test_submitted_fingerprint_on_the_audit_page_is_keyed(client, team, extraction_pair):
    from extraction.services.extractions import extraction_submit, parse_values

    mine = extraction_start(study=extraction_pair, kind="extraction", user=team.rev1)
    values, _ = parse_values(mine, {"country": "India"})
    mine = extraction_save(extraction=mine, actor=team.rev1, values=values, expected_version=mine.version)
    extraction_submit(extraction=mine, actor=team.rev1, expected_version=mine.version)
    page = _audit(client, team)
    raw = fingerprint({"country": "India"})
    assert raw not in page and shown_fingerprint(raw) in page
