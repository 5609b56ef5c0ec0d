"""The year and title orders of the screening queue: what they serve, in what order, at what cost."""

import pytest
from django.urls import reverse

from review.models import Record, RecordStage
from review.models.screening import Stage
from review.screening import selectors

pytestmark = pytest.mark.django_db
FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}
SLUGS = {Stage.TITLE_ABSTRACT: "title-abstract", Stage.FULL_TEXT: "full-text"}
# A cursor before every row of the order, per order (the random one is a shuffle key).
BEFORE_ALL = {"random": -1, "year": [-(2**31), 0], "title": ["", 0]}


def _screen_url(team, stage=Stage.TITLE_ABSTRACT):
    return reverse("review:screen", args=[team.review.slug, SLUGS[stage]])


def _vote_url(team, pk, stage=Stage.TITLE_ABSTRACT):
    return reverse("review:vote", args=[team.review.slug, SLUGS[stage], pk])


def _served(html):
    return int(html.split('data-record="')[1].split('"')[0]) if "data-record=" in html else None


def _cursor_key(team, order, stage=Stage.TITLE_ABSTRACT):
    key = f"screen-cursor:{team.review.pk}:{stage}"
    return key if order == "random" else f"{key}:{order}"


def _set_cursor(client, team, order, value, stage=Stage.TITLE_ABSTRACT):
    session = client.session
    session[_cursor_key(team, order, stage)] = value
    session.save()


def _screen_all(client, team, order, stage=Stage.TITLE_ABSTRACT):
    """Every record the reviewer is served, voting include on each, until the queue is empty."""
    served = []
    pk = _served(client.get(_screen_url(team, stage) + f"?order={order}").content.decode())
    while pk is not None:
        assert pk not in served, "served twice"
        served.append(pk)
        response = client.post(_vote_url(team, pk, stage), {"vote": "include", "order": order}, **FETCH)
        pk = _served(response.json()["html"])
    return served


def _with(records, *, years=None, titles=None):
    # Set before the queue first opens, so the stage rows are made from these values.
    for i, record in enumerate(records):
        if years is not None:
            record.year = years[i]
        if titles is not None:
            record.title = titles[i]
        record.save()
    return records


YEARS = [2001, None, 2020, 1999, 2020, None]
# Newest first, ties by id, undated last.
YEAR_ORDER = [2, 4, 0, 3, 1, 5]
TITLES = ["banana split", "Apple pie", "apple  Crumble", "[Cherry] tart", "  zebra", "APPLE PIE"]
# Without regard to case, spaces or a leading bracket; ties by id.
TITLE_ORDER = [2, 1, 5, 0, 3, 4]


def test_year_order_serves_newest_first_and_undated_records_last(client_for, team, make_records):
    records = _with(make_records(6), years=YEARS)
    served = _screen_all(client_for(team.rev1), team, "year")
    assert served == [records[i].pk for i in YEAR_ORDER]


def test_title_order_ignores_case_spaces_and_leading_brackets(client_for, team, make_records):
    records = _with(make_records(6), titles=TITLES)
    served = _screen_all(client_for(team.rev1), team, "title")
    assert served == [records[i].pk for i in TITLE_ORDER]


@pytest.mark.parametrize("order", ["year", "title"])
def test_key_orders_skip_own_votes_full_records_and_merged_duplicates(
    client_for, team, make_records, vote, make_user, order
):
    from review.services.reviews import member_add

    records = _with(make_records(6), years=YEARS, titles=TITLES)
    vote(records[2], team.rev1, "exclude")  # decided by this reviewer
    vote(records[1], team.rev2, "include")  # a colleague's vote: still open to this reviewer
    third = make_user("tara_third")
    member_add(review=team.review, user=third, roles=["reviewer"], actor=team.lead)
    vote(records[0], team.rev2, "include")
    vote(records[0], third, "exclude")  # all its votes in: in conflict, not awaiting
    Record.objects.filter(pk=records[5].pk).update(duplicate_of=records[4])
    served = _screen_all(client_for(team.rev1), team, order)
    wanted = YEAR_ORDER if order == "year" else TITLE_ORDER
    assert served == [records[i].pk for i in wanted if i not in (0, 2, 5)]


@pytest.mark.parametrize("order", ["year", "title"])
def test_key_orders_resume_at_the_cursor_and_wrap_around_once(client_for, team, make_records, order):
    records = _with(make_records(6), years=YEARS, titles=TITLES)
    wanted = [records[i].pk for i in (YEAR_ORDER if order == "year" else TITLE_ORDER)]
    client = client_for(team.rev1)
    client.get(_screen_url(team))  # the queue opens: stage rows made
    row = RecordStage.objects.get(record_id=wanted[2], stage=Stage.TITLE_ABSTRACT)
    _set_cursor(client, team, order, [getattr(row, selectors.ORDER_KEYS[order]), row.pk])
    assert _screen_all(client, team, order) == wanted[2:] + wanted[:2]


def test_a_reload_serves_the_same_record_and_each_order_keeps_its_own_cursor(client_for, team, make_records):
    records = _with(make_records(6), years=YEARS, titles=TITLES)
    client = client_for(team.rev1)
    newest = _served(client.get(_screen_url(team) + "?order=year").content.decode())
    assert newest == records[YEAR_ORDER[0]].pk
    assert _served(client.get(_screen_url(team) + "?order=year").content.decode()) == newest
    client.post(_vote_url(team, newest), {"vote": "include", "order": "year"}, **FETCH)
    first_title = _served(client.get(_screen_url(team) + "?order=title").content.decode())
    assert first_title == next(records[i].pk for i in TITLE_ORDER if records[i].pk != newest)
    assert _served(client.get(_screen_url(team) + "?order=year").content.decode()) == records[YEAR_ORDER[1]].pk
    session = client.session
    assert session[_cursor_key(team, "year")][1] == RecordStage.objects.get(
        record_id=records[YEAR_ORDER[1]].pk, stage=Stage.TITLE_ABSTRACT).pk
    assert isinstance(session[_cursor_key(team, "title")][0], str)


@pytest.mark.parametrize("order", ["year", "title"])
def test_key_orders_serve_the_full_text_stage_in_order(client_for, team, make_records, at_full_text, order):
    records = _with(make_records(6), years=YEARS, titles=TITLES)
    for record in records:
        at_full_text(record)
    served = _screen_all(client_for(team.rev1), team, order, Stage.FULL_TEXT)
    assert served == [records[i].pk for i in (YEAR_ORDER if order == "year" else TITLE_ORDER)]


@pytest.mark.parametrize("order", ["year", "title"])
def test_a_stale_or_foreign_cursor_starts_the_order_over(team, make_records, order):
    from review.screening.services import stages_sync

    records = _with(make_records(6), years=YEARS, titles=TITLES)
    stages_sync(review=team.review)
    first = records[(YEAR_ORDER if order == "year" else TITLE_ORDER)[0]].pk
    for cursor in (None, 12345, ["x"], [1, 2, 3], [None, 1], ["a", "b"] if order == "title" else ["a", 1]):
        record = selectors.next_record(team.review, team.rev1, Stage.TITLE_ABSTRACT, order=order, cursor=cursor)
        assert record.pk == first, cursor


@pytest.mark.parametrize("order", ["random", "year", "title"])
def test_queue_lists_the_records_in_the_order_they_are_served(client_for, team, make_records, vote, order):
    records = _with(make_records(6), years=YEARS, titles=TITLES)
    vote(records[3], team.rev1, "include")
    client = client_for(team.rev1)
    client.get(_screen_url(team))
    _set_cursor(client, team, order, BEFORE_ALL[order])
    listed = list(selectors.queue(team.review, team.rev1, Stage.TITLE_ABSTRACT, order=order).values_list("pk", flat=True))
    assert listed == _screen_all(client, team, order)


@pytest.mark.parametrize("order", ["random", "year", "title"])
def test_next_record_page_takes_a_constant_number_of_queries_in_every_order(
    client_for, team, make_records, django_assert_num_queries, order
):
    # session, user, membership, anything imported since?, next record (one index walk,
    # with its source), the review's audit chain head (remaining and one's own decisions so
    # far, the progress bar, are kept from the load before under it), the session's new
    # cursor (update in a savepoint) and one's own last decision (to change it)
    url = _screen_url(team) + f"?order={order}"
    client = client_for(team.rev1)
    for n in (5, 50):
        _with(make_records(n), years=[None if i % 7 == 0 else 1990 + i % 30 for i in range(n)])
        client.get(url)  # the newly imported records join the queue once
        _set_cursor(client, team, order, BEFORE_ALL[order])
        with django_assert_num_queries(10):
            assert _served(client.get(url).content.decode()) is not None


@pytest.mark.parametrize("order", ["random", "year", "title"])
def test_vote_takes_a_constant_number_of_queries_in_every_order(
    client_for, team, make_records, django_assert_num_queries, order
):
    # As in test_views: the vote in a savepoint, then the next record, one's own last vote
    # (offered on the next record) and the new cursor.
    client = client_for(team.rev1)
    for n in (10, 50):
        records = make_records(n)
        client.get(_screen_url(team) + f"?order={order}")
        client.post(_vote_url(team, records[0].pk), {"vote": "include", "version": 0, "order": order}, **FETCH)
        _set_cursor(client, team, order, BEFORE_ALL[order])
        with django_assert_num_queries(19):
            client.post(_vote_url(team, records[1].pk), {"vote": "include", "version": 0, "order": order}, **FETCH)
