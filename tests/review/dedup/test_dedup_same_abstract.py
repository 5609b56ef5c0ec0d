"""Title-and-abstract records (screening exports: no authors, venue or identifier) merge
without a person only on agreeing long titles *and* the same abstract; the counter-examples
are the patterns that share both by chance."""

from review.dedup import DUPLICATE, Thresholds, find_duplicates

from .test_dedup_engine import decision

# Nagtegaal 2019, records 1029 and 1030: one trial from two databases, nothing but these.
TITLE = "Improving empirical antibiotic treatment using TREAT, a computerized decision support system"
ABSTRACT = (
    "Background: Inappropriate antibiotic treatment of hospitalized patients with bacterial "
    "infections is common and costly. We assessed whether a computerized decision support system "
    "for antibiotic treatment improved the appropriateness of empirical treatment in three "
    "hospitals in Israel, Germany and Italy. Methods: Cluster randomized trial of 2326 patients. "
    "Results: Antibiotic treatment was appropriate in 73% of patients in intervention wards and "
    "64% in control wards. Conclusions: The system improved empirical treatment and cut costs."
)


def bare(id, title=TITLE, abstract=ABSTRACT, **extra):
    return {"id": id, "title": title, "abstract": abstract, **extra}


def test_identical_title_and_abstract_without_anything_else_are_merged():
    result = find_duplicates([bare(1), bare(2)])
    assert decision(result, 1, 2) == DUPLICATE
    pair = next(p for p in result.pairs if {p.id_a, p.id_b} == {1, 2})
    assert "same-abstract" in pair.reasons


def test_case_and_a_dropped_subtitle_still_merge_on_the_same_abstract():
    # Nagtegaal 613/614: "Effect of Financial Incentives ..." and its MEDLINE form with the subtitle.
    a = bare(1, title="Effect of Financial Incentives to Physicians, Patients, or Both on Lipid Levels")
    b = bare(2, title="Effect of financial incentives to physicians, patients, or both on lipid levels: "
             "A randomized clinical trial.", abstract=ABSTRACT + " (PsycINFO Database Record (c) 2016 APA)")
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE


def test_same_year_still_merges_and_a_stricter_threshold_sends_a_different_abstract_to_a_person():
    a, b = bare(1, year=2007), bare(2, year=2007, abstract=ABSTRACT.replace("Inappropriate", "Inadequate"))
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE
    assert decision(find_duplicates([a, b], thresholds=Thresholds(abstract_same=1.0)), 1, 2) != DUPLICATE


def test_parts_of_one_statement_share_title_and_abstract_but_are_not_merged():
    # Nagtegaal 295/296: the brackets normalise away, the abstracts open alike.
    a = bare(1, title="Canadian Contraception Consensus for general practitioners (Part 1 of 4)")
    b = bare(2, title="Canadian Contraception Consensus for general practitioners (Part 2 of 4)")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_a_recurring_editorial_with_its_abstract_a_year_apart_is_not_merged():
    text = (
        "This annual editorial reviews the journal's year: submissions, acceptance rates, the "
        "reviewers we thank and the changes to our policies on data sharing and preregistration. "
        "We also introduce the new members of the editorial board and the special issues planned."
    )
    title = "The year in review of the Journal of Software Engineering Research"
    a, b = bare(1, title=title, abstract=text, year=2018), bare(2, title=title, abstract=text, year=2019)
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE
    # One year known and the other not is no better: a person decides.
    c, d = bare(3, title=title, abstract=text, year=2018), bare(4, title=title, abstract=text)
    assert decision(find_duplicates([c, d]), 3, 4) != DUPLICATE


def test_a_short_recurring_title_with_the_same_abstract_is_not_merged():
    a, b = bare(1, title="Editorial notes", year=2015), bare(2, title="Editorial notes", year=2015)
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_a_reply_or_comment_quoting_the_abstract_is_not_the_article():
    for notice in ("Re: " + TITLE, "Comment on: " + TITLE, "Erratum: " + TITLE):
        result = find_duplicates([bare(1), bare(2, title=notice)])
        assert decision(result, 1, 2) != DUPLICATE, notice


def test_supplement_abstracts_on_one_page_with_different_titles_and_one_abstract_are_not_merged():
    page = {"journal": "Diabetologia", "volume": "58", "pages": "S112", "year": 2015,
            "authors": ["Smith, J."], "publication_type": "conference_abstract"}
    a = bare(1, title="Glucagon-like peptide-1 receptor in human atherosclerotic plaques", **page)
    b = bare(2, title="Dipeptidyl peptidase-4 inhibition and plaque stability in mice", **page)
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_conflicting_identifier_or_pages_keep_the_same_abstract_apart():
    assert decision(find_duplicates([bare(1, doi="10.1016/j.ijmi.2015.01.001"), bare(2, doi="10.1016/j.ijmi.2015.01.002")]), 1, 2) != DUPLICATE
    assert decision(find_duplicates([bare(1, pages="10-19"), bare(2, pages="110-119")]), 1, 2) != DUPLICATE
    assert decision(find_duplicates([bare(1, volume="3"), bare(2, volume="4")]), 1, 2) != DUPLICATE


def test_different_abstracts_under_one_title_wait_for_a_person():
    other = "A qualitative study of how ward physicians used TREAT: interviews with 24 doctors " * 3
    assert decision(find_duplicates([bare(1), bare(2, abstract=other)]), 1, 2) != DUPLICATE
