"""The normalisers: two exports of one reference must normalise equal."""

import pytest

from review.dedup import (
    journals_match,
    normalise_authors,
    normalise_doi,
    normalise_journal,
    normalise_pages,
    normalise_pmid,
    normalise_title,
)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Effects of Insulin: A Trial.", "effects of insulin - a trial"),
        ("TNF-α in sepsis", "TNF-alpha in sepsis"),
        ("TNF-&alpha; in sepsis", "TNFα in sepsis"),
        ("IL-1β signalling", "IL-1 beta signalling"),
        ("<i>In vivo</i> effects of &quot;X&quot;", "In vivo effects of X"),
        ("Évaluation de l’insuline", "Evaluation de l'insuline"),
        ("Müller cells", "Muller cells"),
        ("A new invitro test", "A new in vitro test"),
        ("Ca2+ handling", "Ca2+  handling"),
    ],
)
def test_titles_that_differ_only_in_form_normalise_equal(left, right):
    assert normalise_title(left) == normalise_title(right)


def test_title_keeps_non_latin_letters():
    assert normalise_title("Платформенная занятость.") == "платформенная занятость"


def test_title_of_nothing_is_empty():
    assert normalise_title(None) == ""
    assert normalise_title("") == ""


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (["Smith, John A."], ["Smith JA"]),
        (["Smith, John A."], ["J. A. Smith"]),
        (["Müller, H."], ["Muller H"]),
        (["van der Berg, Anna"], ["Anna van der Berg"]),
        (["Smith J", "Doe K", "et al."], ["Smith J", "Doe K"]),
    ],
)
def test_author_forms_normalise_equal(left, right):
    assert normalise_authors(left) == normalise_authors(right)


def test_authors_keep_their_order_and_the_first_initial():
    assert normalise_authors(["Smith, John A.", "Doe, Kim"]) == ("smith j", "doe k")


def test_run_together_endnote_author_string_is_split():
    assert normalise_authors("Adeli K.Lewis G. F.") == ("adeli k", "lewis g")


def test_bibtex_author_string_is_split_on_and():
    assert normalise_authors("Deng, Chaoqun and Ravichandran, T.") == ("deng c", "ravichandran t")


@pytest.mark.parametrize(
    ("abbreviated", "full"),
    [
        ("J Clin Oncol", "Journal of Clinical Oncology"),
        ("Diabetes Obes Metab", "Diabetes, Obesity & Metabolism"),
        ("Lancet", "The Lancet"),
        ("Cardiology", "Cardiology (Switzerland)"),
        ("Circulation", "Circulation. Conference: American Heart Association's Scientific Sessions"),
        ("JAMA", "Journal of the American Medical Association"),
        ("Amcis 2017 Proceedings", "Americas Conference on Information Systems"),
        (
            "Americas Conference on Information Systems",
            "25TH AMERICAS CONFERENCE ON INFORMATION SYSTEMS (AMCIS )",
        ),
    ],
)
def test_journal_abbreviations_match_full_names(abbreviated, full):
    assert journals_match(normalise_journal(abbreviated), normalise_journal(full))


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Diabetes", "Diabetes Care"),
        ("Diabetologia", "Diabetes"),
        ("European Conference on Information Systems", "International Conference on Information Systems"),
    ],
)
def test_different_journals_do_not_match(left, right):
    assert not journals_match(normalise_journal(left), normalise_journal(right))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-9", "123-129"),
        ("123-129", "123-129"),
        ("123--129", "123-129"),
        ("1234-56", "1234-1256"),
        ("e123-e129", "e123-e129"),
        ("S12", "s12"),
        ("S12-S14", "s12-s14"),
        ("221", "221"),
        ("", ""),
        (None, ""),
    ],
)
def test_pages(raw, expected):
    assert normalise_pages(raw) == expected


def test_abbreviated_and_full_page_ranges_are_equal():
    assert normalise_pages("123-9") == normalise_pages("123-129")


@pytest.mark.parametrize(
    "raw",
    [
        "10.1097/MOL.0b013e3282ffaf82",
        "http://dx.doi.org/10.1097/MOL.0b013e3282ffaf82",
        "https://doi.org/10.1097/mol.0b013e3282ffaf82.",
        "doi: 10.1097/MOL.0b013e3282ffaf82",
        "10.1097/MOL.0b013e3282ffaf82 [doi]",
    ],
)
def test_doi_forms(raw):
    assert normalise_doi(raw) == "10.1097/mol.0b013e3282ffaf82"


def test_text_without_a_doi_is_empty():
    assert normalise_doi("NA") == ""
    assert normalise_doi(None) == ""


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("12345", "12345"), ("PMID: 0012345", "12345"), (12345, "12345"), ("L629408226", ""), ("", "")],
)
def test_pmid(raw, expected):
    assert normalise_pmid(raw) == expected
