"""Records with nothing but a title (screening exports) are asked about only when a person has
something to weigh: titles that each name a different thing are not a question."""

from review.dedup import MAYBE, find_duplicates

from .test_dedup_engine import decision


def test_bare_titles_that_each_name_a_different_thing_are_not_asked():
    # Nagtegaal 2019, 362/363: one guideline series, two topics.
    a = {"id": 1, "title": "Clinical practice guideline: tinnitus"}
    b = {"id": 2, "title": "Clinical practice guideline: tonsillectomy in children"}
    assert decision(find_duplicates([a, b]), 1, 2) == "distinct"


def test_the_same_titles_with_authors_still_go_to_a_person():
    authors = ["Tunkel, D. E.", "Bauer, C. A.", "Sun, G. H."]
    a = {"id": 1, "title": "Clinical practice guideline: tinnitus", "authors": authors}
    b = {"id": 2, "title": "Clinical practice guideline: tonsillectomy in children", "authors": authors}
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_a_bare_title_inside_the_other_is_still_asked():
    # Nothing replaced, only added: a subtitle or a fuller form may be the same paper.
    a = {"id": 1, "title": "Fraud and misconduct in clinical research"}
    b = {"id": 2, "title": "Fraud and misconduct in clinical research: is it prejudicial to patients?"}
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_a_bare_spelling_variant_is_still_asked_or_merged():
    # Nagtegaal 1961/1962 without their abstracts: one word spelled two ways is not a replacement.
    a = {"id": 1, "title": "Using implementation intentions to teach practitioners: changing practice "
         "behaviors via continuing education"}
    b = {"id": 2, "title": "Using implementation intentions to teach practitioners: changing practice "
         "behaviours via continuing education."}
    assert decision(find_duplicates([a, b]), 1, 2) in (MAYBE, "duplicate")


LONG = "Aggregation process with multiple evidence levels for experimental studies in software engineering"


def test_a_bare_long_title_years_apart_goes_to_a_person_never_merged():
    # Kitchenham 2010, 358/359: one paper indexed under 2007 and 2015.
    a, b = {"id": 1, "title": LONG, "year": 2007}, {"id": 2, "title": LONG.upper(), "year": 2015}
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_years_apart_keep_fuller_records_short_titles_and_numbered_parts_apart():
    authors = ["Mendes, E."]
    a = {"id": 1, "title": LONG, "year": 2007, "authors": authors, "journal": "Empirical Software Engineering"}
    b = {"id": 2, "title": LONG, "year": 2015, "authors": authors, "journal": "Empirical Software Engineering"}
    assert decision(find_duplicates([a, b]), 1, 2) == "distinct"
    short = [{"id": 3, "title": "Editorial notes", "year": 2007}, {"id": 4, "title": "Editorial notes", "year": 2015}]
    assert decision(find_duplicates(short), 3, 4) == "distinct"
    parts = [{"id": 5, "title": LONG + " (part 1)", "year": 2007}, {"id": 6, "title": LONG + " (part 2)", "year": 2015}]
    assert decision(find_duplicates(parts), 5, 6) == "distinct"
