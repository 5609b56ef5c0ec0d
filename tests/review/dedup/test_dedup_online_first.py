"""An online-first record and its printed issue a year later merge; a yearly item does not."""

from review.dedup import DUPLICATE, find_duplicates

from .test_dedup_engine import decision

# Bond tafenoquine, without DOIs: Clin Infect Dis 2018 online first, 2019 in print.
TITLE = ("Blood schizonticidal activity and safety of tafenoquine when administered as chemoprophylaxis "
         "to healthy, nonimmune participants followed by blood stage Plasmodium falciparum challenge")
AUTHORS = ["McCarthy, J. S.", "Smith, B.", "Reid, M."]


def online(id, **extra):
    return {"id": id, "title": TITLE, "authors": AUTHORS, "journal": "Clinical Infectious Diseases",
            "year": 2018, **extra}


def printed(id, **extra):
    return {"id": id, "title": TITLE.title(), "authors": AUTHORS, "journal": "Clin Infect Dis", "year": 2019,
            "volume": "69", "issue": "3", "pages": "480-486", **extra}


def test_the_online_first_record_and_its_printed_issue_are_merged():
    result = find_duplicates([online(1), printed(2)])
    assert decision(result, 1, 2) == DUPLICATE
    assert "online-first" in next(p for p in result.pairs if {p.id_a, p.id_b} == {1, 2}).reasons


def test_a_yearly_item_printed_in_both_years_is_not_merged():
    assert decision(find_duplicates([online(1, volume="68", pages="1-2"), printed(2)]), 1, 2) != DUPLICATE


def test_a_record_without_volume_a_year_after_the_printed_one_is_not_merged():
    late = online(1, year=2020)
    assert decision(find_duplicates([late, printed(2)]), 1, 2) != DUPLICATE


def test_a_short_recurring_title_is_not_merged_a_year_apart():
    a = online(1, title="Editorial: the year in malaria")
    b = printed(2, title="Editorial: the year in malaria")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_other_authors_another_journal_or_a_reply_are_not_merged():
    assert decision(find_duplicates([online(1, authors=["Baird, J. K."]), printed(2)]), 1, 2) != DUPLICATE
    assert decision(find_duplicates([online(1, journal="Malaria Journal"), printed(2)]), 1, 2) != DUPLICATE
    assert decision(find_duplicates([online(1, title="Re: " + TITLE), printed(2)]), 1, 2) != DUPLICATE


def test_numbered_parts_a_year_apart_are_not_merged():
    a, b = online(1, title=TITLE + " (part 1)"), printed(2, title=TITLE + " (part 2)")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE
