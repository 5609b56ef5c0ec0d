"""Fields that two exports of one article write differently are read back to one form
(issue 16): page spans, spreadsheet-mangled pages, misused volume fields, journal spellings,
a label before the title, a typographic character spelled by name."""

import pytest

from review.dedup import DUPLICATE, find_duplicates, journals_match, normalise_journal
from review.dedup.normalise import page_span
from review.dedup.prepared import prepare

from .test_dedup_engine import decision


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("e23-e29", "23-9"),  # Bond copper: Int J Infect Dis 24:e23-e29 / 23-9
        ("e23-e29", "23-29"),
        ("e23", "23"),
        ("e0137960", "137960"),  # PLoS One article number, with and without "e0"
        ("Oct-17", "10-17"),  # a spreadsheet read "10-17" as October 2017
        ("10-Jul", "10-17"),  # ... and "10-7" (10-17 abbreviated) as 10 July
        ("Nov-19", "11-Sep"),
        ("1‐7", "1-7"),  # a Unicode hyphen
    ],
)
def test_one_page_span_written_two_ways_is_one_span(left, right):
    assert page_span(left) == page_span(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("S12", "12"),  # a supplement page is not page 12 of the issue
        ("e23-e29", "23-28"),
        ("i428", "1428"),
        ("Oct-17", "11-17"),
    ],
)
def test_different_pages_stay_different(left, right):
    assert page_span(left) != page_span(right)


def test_a_month_that_is_not_a_page_range_is_no_page():
    assert page_span("May") == ("", "")


def _fields(**record):
    p = prepare({"id": 1, "title": "x", **record}, 0)
    return p.volume, p.issue, p.page


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        # Embase: "18 (8) (no pagination)" in the volume, the article number in the issue.
        ({"volume": "18 (8) (no pagination)", "issue": "1704", "year": 2017}, ("18", "8", "1704")),
        ({"volume": "(no pagination)", "year": 2016}, ("", "", "")),
        # Embase puts the meeting before the volume.
        ({"volume": "Conference: 22nd FIGO World Congress of Gynecology and Obstetrics. Brazil. 143",
          "issue": "Supplement 3", "pages": "306", "year": 2018}, ("143", "3", "306")),
        ({"volume": "Korsakova. Part 2. 117", "issue": "12", "pages": "53-59", "year": 2017}, ("117", "12", "53")),
        # A Cochrane review's "volume" is the year; the issue is the number the other export gives.
        ({"volume": "2020", "issue": "9", "year": 2020}, ("9", "", "")),
    ],
)
def test_misused_volume_fields_are_read_back(record, expected):
    assert _fields(**record) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        ({"volume": "59 (SUPPL. 1)", "issue": "", "pages": "e24", "year": 2012}, ("59", "", "24")),
        ({"volume": "2020", "issue": "", "year": 2020}, ("2020", "", "")),  # no issue to take
        ({"volume": "2016", "issue": "May", "year": 2016}, ("2016", "may", "")),  # not a number
        ({"volume": "2019", "issue": "9", "year": 2020}, ("2019", "9", "")),  # not the record's year
        ({"volume": "12", "issue": "3", "pages": "45-9", "year": 2012}, ("12", "3", "45")),
    ],
)
def test_ordinary_volume_fields_are_kept(record, expected):
    assert _fields(**record) == expected


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Acta Obstetricia et Gynecologica Scandinavica", "Acta Obstet Gynecol Scand"),
        ("International journal of gynaecology and obstetrics", "International Journal of Gynecology and Obstetrics"),
    ],
)
def test_latin_and_british_journal_names_match(left, right):
    assert journals_match(normalise_journal(left), normalise_journal(right))


def test_a_conference_named_with_and_without_its_society_matches():
    # Wagner, hard case: CHI 2017 and 2018 papers, each exported under both names.
    acm = normalise_journal("ACM Conference on Human Factors in Computing Systems")
    proceedings = normalise_journal("Proceedings of the 2018 CHI Conference on Human Factors in Computing Systems")
    assert journals_match(acm, proceedings)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("ACM Conference on Computer and Communications Security", "IEEE Symposium on Security and Privacy"),
        ("ACM Conference on Human Factors in Computing Systems", "IEEE Conference on Computer Vision and Pattern Recognition"),
        ("ACM Symposium on User Interface Software and Technology", "ACM Conference on Human Factors in Computing Systems"),
    ],
)
def test_two_conferences_of_one_society_do_not_match(left, right):
    assert not journals_match(normalise_journal(left), normalise_journal(right))


def test_journals_that_differ_by_more_than_a_spelling_still_differ():
    assert not journals_match(normalise_journal("Acta Obstetricia et Gynecologica"), normalise_journal("Acta Obstet Gynecol Scand"))
    assert not journals_match(normalise_journal("Paediatric Anaesthesia"), normalise_journal("Pediatric Annals"))


ELLIPSIS = "Flexible, Self-Determined… and Unhealthy? An Empirical Study on Somatic Health Among Crowdworkers"


def test_a_character_spelled_by_its_unicode_name_is_not_a_word_of_the_title():
    spelled = ELLIPSIS.replace("…", " horizontal ellipsis ")
    assert prepare({"id": 1, "title": spelled}, 0).title_key == prepare({"id": 2, "title": ELLIPSIS}, 1).title_key


@pytest.mark.parametrize(
    ("title", "word"),
    [("The em dash and the semicolon in scientific abstracts", "dash"),
     ("Ellipsis and the horizontal gaze in reading", "ellipsis")],
)
def test_a_title_about_punctuation_keeps_its_words(title, word):
    assert word in prepare({"id": 1, "title": title}, 0).title_tokens


SHORT = "Tafenoquine for the treatment of recurrent Plasmodium vivax malaria"


def tafenoquine(id, title, **extra):
    return {"id": id, "title": title, "authors": ["Kitchener, S.", "Nasveld, P.", "Edstein, M. D."],
            "year": 2007, "journal": "Am J Trop Med Hyg", "volume": "76", "issue": "3", "pages": "494-6",
            **extra}


def test_a_label_naming_the_article_kind_before_the_same_title_merges():
    # Bond tafenoquine: "Short report: ..." in one database, the bare title in the other.
    records = [tafenoquine(1, "Short report: " + SHORT), tafenoquine(2, SHORT)]
    assert decision(find_duplicates(records), 1, 2) == DUPLICATE


@pytest.mark.parametrize("label", ["Letter: ", "Commentary: ", "Editorial: ", "Comment on: ", "Reply: "])
def test_a_response_label_before_another_papers_title_is_not_merged(label):
    # "Letter: <the article's title>" is how several journals title a letter about that article.
    records = [tafenoquine(1, label + SHORT, pages="497"), tafenoquine(2, SHORT)]
    assert decision(find_duplicates(records), 1, 2) != DUPLICATE


def test_a_label_before_a_different_title_is_not_merged():
    other = "Short report: Tafenoquine for the prevention of Plasmodium falciparum malaria"
    assert decision(find_duplicates([tafenoquine(1, other), tafenoquine(2, SHORT)]), 1, 2) != DUPLICATE
