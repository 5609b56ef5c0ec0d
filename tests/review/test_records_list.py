"""The records list says where each record stands, marks merged copies, and filters by
status and by one's own labels."""

import pytest
from django.urls import reverse

from review.models import Record, RecordImport
from review.screening.services import decision_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(team, source):
    imported = RecordImport.objects.create(review=team.review, source=source, filename="s.ris", sha256="2" * 64,
                                           status="done")
    made = [Record.objects.create(review=team.review, record_import=imported, source=source, position=i,
                                  title=f"Trial {i} of IVIg", year=2020) for i in range(1, 5)]
    Record.objects.filter(pk=made[3].pk).update(duplicate_of=made[2])
    return made


def _vote(team, record, user, vote, labels=()):
    decision_record(review=team.review, record=record, stage="title_abstract", reviewer=user, vote=vote,
                    labels=list(labels))


def _rows(client, review, **query):
    response = client.get(reverse("review:records", args=[review.slug]), query)
    assert response.status_code == 200
    return {r.title: r for r in response.context["page"]}, response.content.decode()


def test_each_record_shows_its_status_per_stage_and_merged_copies_are_marked(team, records, client_for):
    _vote(team, records[0], team.rev1, "exclude")
    _vote(team, records[0], team.rev2, "exclude")
    _vote(team, records[1], team.rev1, "include")
    _vote(team, records[1], team.rev2, "exclude")
    rows, page = _rows(client_for(team.lead), team.review)
    assert rows["Trial 1 of IVIg"].ta_label == "Excluded"
    assert rows["Trial 2 of IVIg"].ta_label == "In conflict"
    assert rows["Trial 3 of IVIg"].ta_label == "Awaiting decisions" and rows["Trial 3 of IVIg"].ft_label == ""
    assert f'merged</span> into <a href="{reverse("review:record_detail", args=[team.review.slug, records[2].pk])}"' in page


def test_the_status_filter_picks_records_by_stage_status(team, records, client_for):
    _vote(team, records[0], team.rev1, "exclude")
    _vote(team, records[0], team.rev2, "exclude")
    client = client_for(team.lead)
    assert set(_rows(client, team.review, status="ta:excluded")[0]) == {"Trial 1 of IVIg"}
    assert set(_rows(client, team.review, status="ta:awaiting")[0]) == {"Trial 2 of IVIg", "Trial 3 of IVIg"}
    assert set(_rows(client, team.review, status="merged")[0]) == {"Trial 4 of IVIg"}
    assert len(_rows(client, team.review, status="nonsense")[0]) == 4  # an unknown status filters nothing


def test_the_label_filter_uses_only_ones_own_labels(team, records, client_for):
    _vote(team, records[0], team.rev1, "include", labels=["paediatric"])
    _vote(team, records[1], team.rev2, "include", labels=["paediatric", "adults"])
    rows, page = _rows(client_for(team.rev1), team.review, label="paediatric")
    assert set(rows) == {"Trial 1 of IVIg"}
    assert "adults" not in page  # a colleague's label is neither offered nor matched
    rows, _ = _rows(client_for(team.rev1), team.review, label="adults")
    assert len(rows) == 4  # not one of mine: no filter
