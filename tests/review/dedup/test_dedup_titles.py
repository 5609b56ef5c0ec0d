"""Titles decide automatic merges: the patterns that motivated each part of the rule."""

from review.dedup import DUPLICATE, MAYBE, find_duplicates

from .test_dedup_engine import TITLE, decision, rec

SUPPLEMENT = {
    "journal": "Annals of the Rheumatic Diseases",
    "volume": "81",
    "issue": "Suppl 1",
    "pages": "1523",
    "year": 2022,
    "doi": "10.1136/annrheumdis-2022-eular.1",
    "publication_type": "conference_abstract",
    "authors": ["Goswami, R. P.", "Sinha, D.", "Lahiri, D."],
}


def test_supplement_abstracts_on_one_page_with_different_titles_are_never_merged():
    # One supplement page prints several abstracts by one group under one DOI.
    a = rec(1, title="Intravenous immunoglobulin in refractory dermatomyositis: a cohort", **SUPPLEMENT)
    b = rec(2, title="Myositis-specific antibodies and interstitial lung disease in India", **SUPPLEMENT)
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_supplement_abstracts_whose_titles_differ_by_a_word_go_to_a_person():
    a = rec(1, title="Subcutaneous immunoglobulin for refractory dermatomyositis in adults", **SUPPLEMENT)
    b = rec(2, title="Subcutaneous immunoglobulin for refractory polymyositis in adults", **SUPPLEMENT)
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_supplement_abstracts_with_unlike_titles_are_not_even_asked_without_an_identifier():
    bare = {**SUPPLEMENT, "doi": ""}
    a = rec(1, title="Intravenous immunoglobulin in refractory dermatomyositis: a cohort", **bare)
    b = rec(2, title="Myositis-specific antibodies and interstitial lung disease in India", **bare)
    assert decision(find_duplicates([a, b]), 1, 2) == "distinct"


def test_a_long_title_with_one_word_replaced_is_not_near_identical():
    long = TITLE + " and chronic kidney disease: ten-year follow-up of a national cohort in men"
    a, b = rec(1, title=long), rec(2, title=long[: -len("men")] + "women")
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_a_spelling_variant_is_still_near_identical():
    a = rec(1, title="Randomised trial of glycaemic control in haemodialysis patients with diabetes")
    b = rec(2, title="Randomized trial of glycemic control in hemodialysis patients with diabetes")
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE


def test_a_title_cut_short_by_a_database_is_merged():
    long = TITLE + ": a randomised controlled trial with five-year follow-up in primary care"
    a, b = rec(1, title=long), rec(2, title=long[:120])
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE


def test_a_title_without_its_subtitle_is_merged():
    a = rec(1, title="Infrastructure in the wild: what mapping in post-earthquake Nepal reveals")
    b = rec(2, title="Infrastructure in the wild")
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE


def test_a_short_label_without_its_subtitle_is_not_a_variant():
    a = rec(1, title="Guest editorial: open source software and its economics")
    b = rec(2, title="Guest editorial")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_a_translated_title_with_the_original_in_brackets_is_merged():
    original = "Arbeiten in der Plattformökonomie: Grundlagen und Grenzen von Cloudwork und Gigwork"
    a = rec(1, title=original, doi="10.1007/s11577-019-00587-w")
    # The export's length limit cuts the bracket before it closes.
    b = rec(2, title="Working in the platform economy: foundations and limits [" + original[:40],
            doi="10.1007/s11577-019-00587-w")
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE


def test_journal_articles_on_one_page_with_unlike_titles_wait_for_a_person():
    # A translated title without the original: the same journal, volume, first page, year
    # and first author, but no words in common. Never merged automatically.
    a = rec(1, title="Platform economy and crowdworking as challenges for industrial relations")
    b = rec(2, title="Plattformökonomie und Crowdworking als Herausforderungen für die Arbeitsbeziehungen")
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


def test_a_short_recurring_title_in_two_issues_is_kept_apart():
    a = rec(1, title="Editorial introduction", volume="17", issue="1", pages="3-8")
    b = rec(2, title="Editorial introduction", volume="17", issue="2", pages="3-4")
    assert decision(find_duplicates([a, b]), 1, 2) == "distinct"


def test_one_title_a_year_apart_without_an_identifier_waits_for_a_person():
    # A minitrack introduction printed every year under one title by the same chairs.
    title = "Introduction to the minitrack on crowdsourcing and the digital workforce"
    a = rec(1, title=title, year=2021, volume="", issue="", pages="")
    b = rec(2, title=title, year=2022, volume="", issue="", pages="")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE
