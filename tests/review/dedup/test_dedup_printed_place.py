"""Rules of issue 16 that merge agreeing titles on what the records' printed places say, each with
the pattern that motivated it and the near miss it must not merge."""

import pytest

from review.dedup import DUPLICATE, MAYBE, find_duplicates
from review.dedup.prepared import prepare
from review.dedup.scoring import author_similarity

from .test_dedup_engine import decision

LINENS = ("Reduction of healthcare-associated infections in a long-term care brain injury ward by "
          "replacing regular linens with biocidal copper oxide impregnated linens")
AUTHORS = ["Lazary, A.", "Weinberg, I.", "Vatine, J. J."]


def article(id, **extra):
    return {"id": id, "title": LINENS, "authors": AUTHORS, "year": 2014, "journal": "Int J Infect Dis",
            "volume": "24", "issue": "", "pages": "23-9", "publication_type": "journal_article", **extra}


def abstract(id, title, pages, **extra):
    return {"id": id, "title": title, "authors": ["Chen, R.", "Wang, Y.", "Liang, L."], "year": 2014,
            "journal": "Diabetes/Metabolism Research and Reviews", "volume": "30", "issue": "SUPPL. 3",
            "pages": pages, "publication_type": "conference_abstract", **extra}


def merged(*records):
    result = find_duplicates(list(records))
    return decision(result, records[0]["id"], records[1]["id"]) == DUPLICATE


# --- electronic page numbers ------------------------------------------------------------------

def test_an_electronic_page_range_and_its_printed_form_merge():
    # Bond copper, hard case: e23-e29 in one database, 23-9 in the other.
    assert merged(article(1, pages="e23-e29", journal="International Journal of Infectious Diseases"), article(2))


def test_two_abstracts_on_one_electronic_page_with_different_titles_are_not_merged():
    a = abstract(1, "Exenatide and sitagliptin reduce artery lesions in apolipoprotein E-deficient mice", "e23")
    b = abstract(2, "Internal and exogenous incretin and the size of aortic plaques in diabetic mice", "23")
    assert not merged(a, b)


# --- the same printed place without (or with mangled) authors ------------------------------------

MRSA = "[Copper is an important building block in control of antibiotic-resistant bacteria (MRSA)]"


def nursing(id, **extra):
    return {"id": id, "title": MRSA, "authors": [], "year": 2012, "journal": "Kinderkrankenschwester",
            "volume": "31", "issue": "6", "pages": "254-5", "publication_type": "journal_article", **extra}


def test_a_record_without_authors_merges_at_the_same_printed_place():
    # Bond copper: the journal with its subtitle in one export, neither with authors.
    other = nursing(2, journal="Kinderkrankenschwester : Organ der Sektion Kinderkrankenpflege", pages="254-255")
    assert merged(nursing(1), other)


def test_a_record_without_authors_and_another_title_at_the_same_place_is_not_merged():
    other = nursing(2, title="[Hand hygiene on the paediatric ward: what the nurses know]")
    assert not merged(nursing(1), other)


def test_a_record_without_authors_on_another_page_is_not_merged():
    assert not merged(nursing(1), nursing(2, pages="256-7"))


COUPONS = "Adherence to copper and stainless steel metal coupons of common nosocomial bacterial strains"


def chile(id, authors, **extra):
    return {"id": id, "title": COUPONS, "authors": authors, "year": 2013, "journal": "Rev Med Chil",
            "volume": "141", "issue": "3", "pages": "291-7", "publication_type": "journal_article", **extra}


SPANISH = ["Valeria, P. J.", "Mario, E. M.", "Roberto, V. A.", "Claudia, D. T."]
READ_RIGHT = ["Prado, J. V.", "Esparza, M. M.", "Vidal, A. R.", "Duran, T. C."]


def test_mangled_author_lists_merge_on_the_same_title_and_page_span():
    # Bond copper: Spanish double surnames read as given names by one database.
    assert merged(chile(1, SPANISH, journal="Revista Medica de Chile", pages="291-297"), chile(2, READ_RIGHT))


def test_other_authors_on_another_page_span_are_not_merged():
    assert not merged(chile(1, SPANISH, pages="291-295"), chile(2, READ_RIGHT))


def test_other_authors_of_a_conference_abstract_on_one_page_are_not_merged():
    # A supplement page prints several abstracts; two groups may give one the same title.
    a = abstract(1, LINENS, "S45", authors=["Borkow, G.", "Gabbay, J."])
    b = abstract(2, LINENS, "S45")
    assert decision(find_duplicates([a, b]), 1, 2) != DUPLICATE


def test_two_abstracts_with_one_title_on_adjacent_pages_are_not_merged():
    # ASySD: "(The) effects of incretin on artery lesions ..." twice in one supplement, pages 51 and
    # 52, two different abstracts by overlapping authors.
    title = "Effects of incretin on artery lesions in a model of atherosclerosis in apolipoprotein E-deficient mice"
    a = abstract(1, title, "51")
    b = abstract(2, "The " + title.lower(), "52", authors=["Chen, R.", "Wang, J.", "Yan, C.", "Wang, Y."])
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


# --- a year apart in the same volume and pages --------------------------------------------------

GUINEA_PIGS = ("Circulating levels of apelin glucagon-like peptide and visfatin in hypercholesterolemic-"
               "hyperhomocysteinemic guinea-pigs: their relation with NO metabolism")


def biochem(id, **extra):
    return {"id": id, "title": GUINEA_PIGS, "authors": ["Kusku-Kiraz Z.", "Genc S.", "Bekpinar S."],
            "year": 2015, "journal": "Mol Cell Biochem", "volume": "400", "issue": "1-2", "pages": "69-75",
            **extra}


def test_a_year_apart_in_the_same_volume_and_pages_merges():
    # ASySD, hard case: 2014 (online) and 2015 (print) for 400(1-2):69-75.
    result = find_duplicates([biochem(1, year=2014), biochem(2)])
    assert decision(result, 1, 2) == DUPLICATE
    assert "same-volume-and-pages" in result.pairs[0].reasons


def test_a_yearly_item_in_next_years_volume_is_not_merged():
    assert not merged(biochem(1, year=2014, volume="399"), biochem(2))


def test_two_years_apart_in_the_same_volume_is_not_merged():
    assert not merged(biochem(1, year=2013), biochem(2))


def test_a_year_apart_on_another_page_is_not_merged():
    assert not merged(biochem(1, year=2014, pages="77-83"), biochem(2))


# --- online first, the same year -----------------------------------------------------------------

SURFACES = ("Reduction of Environmental Contamination With Multidrug-Resistant Bacteria by Copper-Alloy "
            "Coating of Surfaces in a Highly Endemic Setting")


def infection(id, **extra):
    return {"id": id, "title": SURFACES, "authors": ["Souli, M.", "Antoniadou, A.", "Katsarolis, I."],
            "year": 2017, "journal": "Infect Control Hosp Epidemiol", "volume": "38", "issue": "7",
            "pages": "765-771", **extra}


def test_an_online_pdf_paginated_from_one_merges_with_the_printed_issue():
    online = infection(1, journal="Infection control and hospital epidemiology", volume="", issue="", pages="1‐7")
    assert merged(online, infection(2))


def test_a_record_without_volume_on_another_page_is_not_merged():
    assert not merged(infection(1, volume="", issue="", pages="12-18"), infection(2))


def test_an_online_record_by_other_authors_is_not_merged():
    online = infection(1, volume="", issue="", pages="1-7", authors=["Borkow, G.", "Gabbay, J."])
    assert not merged(online, infection(2))


# --- short titles: the same abstract in the same issue, the same span of a proceedings --------

BIOIRON = "Each year the BioIron meeting brings together researchers in iron biology, " * 3


def supplement(id, **extra):
    return {"id": id, "title": "2015 BioIron Meeting Abstracts", "authors": ["Anonymous"], "year": 2016,
            "journal": "American Journal of Hematology", "volume": "91", "issue": "3", "abstract": BIOIRON,
            **extra}


def test_a_short_title_with_the_same_abstract_in_the_same_issue_merges():
    other = supplement(2, journal="American Journal of Hematology. Conference: 6th Meeting of the International BioIron Society")
    assert merged(supplement(1), other)


def test_a_short_title_with_another_abstract_in_the_same_issue_is_not_merged():
    other = supplement(2, abstract="Late-breaking abstracts of the meeting, printed after the deadline. " * 3)
    assert not merged(supplement(1), other)


def test_a_short_title_with_the_same_abstract_in_another_issue_is_not_merged():
    assert not merged(supplement(1), supplement(2, issue="4"))


def proceedings(id, **extra):
    return {"id": id, "title": "Trustworthiness in enterprise crowdsourcing", "year": 2016,
            "authors": ["Dwarakanath, A.", "Shrikanth, N.C.", "Abhinav, K."],
            "journal": "Proceedings of the 38th International Conference on Software Engineering Companion",
            "pages": "41--50", "publication_type": "conference_paper", **extra}


def test_a_short_title_on_the_same_span_of_one_proceedings_merges():
    assert merged(proceedings(1), proceedings(2, authors=["Dwarakanath, Anurag", "Shrikanth, N. C."]))


def test_a_short_title_on_one_page_of_a_proceedings_is_not_merged():
    assert not merged(proceedings(1, pages="41"), proceedings(2, pages="41"))


def test_a_short_title_on_another_span_is_not_merged():
    assert not merged(proceedings(1), proceedings(2, pages="51--60"))


def test_a_short_journal_title_on_the_same_span_without_volume_is_not_merged():
    a = proceedings(1, journal="Harvard Business Review", publication_type="journal_article", title="Editorial")
    b = proceedings(2, journal="Harvard Business Review", publication_type="journal_article", title="Editorial")
    assert not merged(a, b)


# --- front matter that recurs every year ---------------------------------------------------------

MINITRACK = "Introduction to the Minitrack on Crowdsourcing and Digital Workforce in the Gig Economy"


def hicss(id, year, **extra):
    return {"id": id, "title": MINITRACK, "authors": ["Deng, Xuefei", "Taylor, Joseph"], "year": year,
            "journal": "Proceedings of the Annual Hawaii International Conference on System Sciences",
            "publication_type": "conference_paper", **extra}


@pytest.mark.parametrize("dois", [("10.24251/HICSS.2021.510", "10.24251/HICSS.2022.544"), ("", "")])
def test_a_minitrack_introduction_a_year_apart_is_neither_merged_nor_asked(dois):
    result = find_duplicates([hicss(1, 2021, doi=dois[0]), hicss(2, 2022, doi=dois[1])])
    assert result.pairs == ()


def test_the_same_minitrack_introduction_twice_in_one_year_still_merges():
    assert merged(hicss(1, 2021, doi="10.24251/HICSS.2021.510"), hicss(2, 2021, doi="10.24251/HICSS.2021.510"))


def test_an_article_printed_twice_a_year_apart_is_still_asked_about():
    # Wagner: "Sponsorship and IT vendor management of projects", 2009 and 2010 (one paper).
    a = {"id": 1, "title": "Sponsorship and IT vendor management of projects", "authors": ["Liu, Li", "Yetton, Philip"],
         "year": 2009, "journal": "Journal of Information Technology", "volume": "24", "pages": "46--54"}
    b = {**a, "id": 2, "year": 2010, "volume": "25", "pages": "56--64"}
    assert decision(find_duplicates([a, b]), 1, 2) == MAYBE


# --- compound surnames split by one export -------------------------------------------------------

def _authors(names):
    return prepare({"id": 1, "title": "x", "authors": names}, 0)


def test_a_compound_surname_split_by_one_export_is_the_same_author():
    # Wagner: "Tumer Kabadayi, E." against "Kabadayi, Ebru Tumer".
    left = _authors(["Tumer Kabadayi, E.", "Cavdar Aksoy, N.", "Yazici, N.", "Kocak Alan, A."])
    right = _authors(["Kabadayi, Ebru Tumer", "Aksoy, Nilsah Cavdar", "Yazici, Nihal", "Alan, Alev Kocak"])
    assert author_similarity(left, right) == 1.0


def test_other_people_are_not_made_alike_by_a_shared_beginning():
    from review.dedup.scoring import _compound_surnames_shared

    one = _authors(["Wang, M."]).surnames, _authors(["Wangari, M."]).surnames
    assert _compound_surnames_shared(*one) == 0.0
    many = _authors(["Lin, A.", "Ho, B.", "Ma, C."]).surnames, _authors(["Kulin, D.", "Echo, E.", "Puma, F."]).surnames
    assert _compound_surnames_shared(*many) == 0.0


def test_every_new_rule_reads_in_words_on_the_duplicates_page():
    from review.dedup import scoring
    from review.duplicate_selectors import REASON_WORDS

    for code in (scoring.SAME_PRINTED_PLACE, scoring.SAME_VOLUME_AND_PAGES, scoring.SAME_ISSUE_AND_ABSTRACT,
                 scoring.SAME_PROCEEDINGS_PAGES, scoring.ONLINE_FIRST):
        assert code in REASON_WORDS


# --- one abstract printed under two DOIs ---------------------------------------------------------

HAMSTERS = ("Liraglutide and linagliptin improves glycemic control but show differential anti-obesity and "
            "hypolipidemic efficacy in a novel hamster model of diet-induced obesity and hypercholesterolemia")
HAMSTER_ABSTRACT = ("Unlike mice and rats Golden Syrian hamsters fed a high-fat diet develop a human-like "
                    "dyslipidemia; we compared liraglutide and linagliptin in this model over four weeks. ")


def appetite(id, doi, **extra):
    return {"id": id, "title": HAMSTERS, "authors": ["Hansen F.", "Hansen G.", "Pedersen P. J."], "year": 2012,
            "journal": "Appetite", "volume": "59", "issue": "SUPPL. 1", "pages": "e24", "doi": doi,
            "abstract": HAMSTER_ABSTRACT * 2, **extra}


def test_one_abstract_under_two_dois_merges():
    # ASySD as exported: Embase gives the second copy another journal's DOI and a mangled volume.
    a = appetite(1, "10.1016/j.appet.2012.05.003")
    b = appetite(2, "10.1016/j.regpep.2012.05.039", volume="1", issue="")
    result = find_duplicates([a, b])
    assert decision(result, 1, 2) == DUPLICATE
    assert "same-text-two-dois" in result.pairs[0].reasons


def test_two_dois_with_another_abstract_are_not_merged():
    other = appetite(2, "10.1016/j.regpep.2012.05.039",
                     abstract="Golden Syrian hamsters fed a fructose diet were given exenatide twice daily. " * 3)
    assert not merged(appetite(1, "10.1016/j.appet.2012.05.003"), other)


def test_two_dois_a_year_apart_or_on_another_page_are_not_merged():
    a = appetite(1, "10.1016/j.appet.2012.05.003")
    assert not merged(a, appetite(2, "10.1016/j.appet.2013.05.003", year=2013, volume="60"))
    assert not merged(a, appetite(2, "10.1016/j.appet.2012.05.004", pages="e25"))
