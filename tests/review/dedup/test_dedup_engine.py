"""find_duplicates on small hand-written cases: what merges, what must stay apart."""

from dataclasses import dataclass, field

import pytest

from review.dedup import DUPLICATE, MAYBE, RELATED, find_duplicates
from review.dedup.clusters import build_clusters
from review.dedup.rules import SAME_TITLE_AGAIN

TITLE = "Long-term outcomes of intensive insulin therapy in adults with diabetes mellitus"


def rec(id, **overrides):
    base = {
        "id": id,
        "title": TITLE,
        "authors": ["Smith, John A.", "Doe, Kim", "Lee, Ann"],
        "year": 2015,
        "journal": "Diabetes Care",
        "volume": "38",
        "issue": "4",
        "pages": "512-9",
        "doi": "",
        "pmid": "",
        "abstract": "",
        "publication_type": "journal_article",
        "issn": "",
    }
    base.update(overrides)
    return base


def decision(result, a, b):
    for pair in result.pairs:
        if {pair.id_a, pair.id_b} == {a, b}:
            return pair.decision
    return "distinct"


def merged(result, a, b):
    return any(a in c.ids and b in c.ids for c in result.clusters)


def test_same_article_from_two_databases_is_merged():
    result = find_duplicates(
        [
            rec(1, doi="10.2337/dc14-1234", pages="512-519"),
            rec(
                2,
                title="Long term outcomes of intensive insulin therapy in adults with diabetes mellitus.",
                authors=["Smith JA", "Doe K", "Lee A"],
                journal="Diabetes Care",
                pages="512-9",
                doi="https://doi.org/10.2337/DC14-1234",
            ),
        ]
    )
    assert decision(result, 1, 2) == DUPLICATE
    assert [set(c.ids) for c in result.clusters] == [{1, 2}]
    pair = result.pairs[0]
    assert 0 <= pair.score <= 1
    assert "doi" in pair.reasons


def test_without_identifiers_title_authors_and_journal_abbreviation_are_enough():
    result = find_duplicates(
        [rec(1), rec(2, journal="Diabetes Care.", pages="512", doi="")]
    )
    assert decision(result, 1, 2) == DUPLICATE


def test_title_alone_goes_to_the_human_queue_not_to_a_merge():
    result = find_duplicates([rec(1), rec(2, journal="", volume="", issue="", pages="")])
    assert decision(result, 1, 2) == MAYBE
    assert result.clusters == ()
    assert [(p.id_a, p.id_b) for p in result.review_queue] == [(1, 2)]


@pytest.mark.parametrize(
    ("other", "reason"),
    [
        (rec(2, title="Erratum: " + TITLE, pages="1024"), "erratum and its article"),
        (rec(2, title="Erratum to " + TITLE, pages="512", publication_type="erratum"), "erratum typed"),
        (rec(2, title="Comment on: " + TITLE, pages="1100"), "comment and its article"),
        (rec(2, title="Reply to " + TITLE, pages="1101"), "reply and the article"),
        (rec(2, title=TITLE + ": study protocol for a randomised trial", year=2012,
             journal="Trials", volume="13", issue="", pages="45"), "protocol and its results"),
        (rec(2, title=TITLE + " in vitro"), "in vitro version"),
    ],
)
def test_must_stay_apart(other, reason):
    first = rec(1, title=TITLE + " in vivo") if "vitro" in reason else rec(1)
    result = find_duplicates([first, other])
    assert decision(result, 1, 2) not in (DUPLICATE, MAYBE), reason
    assert not merged(result, 1, 2), reason


def test_parts_one_and_two_of_a_series_stay_apart():
    result = find_duplicates(
        [
            rec(1, title=TITLE + ". Part I"),
            rec(2, title=TITLE + ". Part II", pages="520-9"),
            rec(3, title=TITLE + " 1", pages="530-9"),
            rec(4, title=TITLE + " 2", pages="540-9"),
        ]
    )
    assert result.clusters == ()
    assert decision(result, 1, 2) == "distinct"
    assert decision(result, 3, 4) == "distinct"


def test_roman_and_arabic_part_numbers_are_the_same_number():
    result = find_duplicates([rec(1, title=TITLE + ". Part II"), rec(2, title=TITLE + ", part 2")])
    assert decision(result, 1, 2) == DUPLICATE


def test_same_title_in_different_years_stays_apart():
    result = find_duplicates([rec(1, year=2015), rec(2, year=2018, volume="41", pages="100-9")])
    assert decision(result, 1, 2) == "distinct"


def test_same_long_title_a_year_apart_with_different_dois_is_never_merged_but_asked():
    # A paper printed twice (Wagner's set) or a yearly minitrack introduction (bib-dedupe's
    # special cases): only a person can tell, so the pair waits in the queue.
    result = find_duplicates(
        [
            rec(1, year=2021, journal="HICSS", volume="", issue="", pages="", doi="10.24251/HICSS.2021.510"),
            rec(2, year=2022, journal="HICSS", volume="", issue="", pages="", doi="10.24251/HICSS.2022.544"),
        ]
    )
    assert not merged(result, 1, 2)
    assert decision(result, 1, 2) == MAYBE
    assert SAME_TITLE_AGAIN in result.review_queue[0].reasons


def test_short_recurring_title_a_year_apart_stays_apart():
    result = find_duplicates(
        [
            rec(1, title="Editor's comments", year=2021, doi="10.1016/j.ed.2021.001"),
            rec(2, title="Editor's comments", year=2022, doi="10.1016/j.ed.2022.001", volume="39"),
        ]
    )
    assert decision(result, 1, 2) == "distinct"


def test_same_title_in_different_journals_stays_apart():
    result = find_duplicates(
        [rec(1), rec(2, journal="Diabetologia", volume="58", pages="s120")]
    )
    assert decision(result, 1, 2) == "distinct"


def test_recurring_editorial_in_each_issue_stays_apart():
    result = find_duplicates(
        [
            rec(1, title="Editor's comments", issue="1", pages=""),
            rec(2, title="Editor's comments", issue="2", pages=""),
        ]
    )
    assert decision(result, 1, 2) == "distinct"


def test_conference_abstract_and_later_full_paper_are_related_not_merged():
    result = find_duplicates(
        [
            rec(1, year=2014, journal="Diabetes. Conference: 74th Scientific Sessions of the ADA",
                volume="63", issue="", pages="A123", publication_type="conference_abstract"),
            rec(2),
        ]
    )
    assert decision(result, 1, 2) == RELATED
    assert result.clusters == ()
    assert result.review_queue == ()


def test_the_same_abstract_indexed_by_two_databases_is_a_duplicate():
    # Embase names the meeting in the journal field, MEDLINE does not: one abstract.
    result = find_duplicates(
        [
            rec(1, journal="Circulation. Conference: AHA Scientific Sessions", volume="136",
                issue="", pages="A123", publication_type="conference_abstract"),
            rec(2, journal="Circulation", volume="136", issue="", pages="A123"),
        ]
    )
    assert decision(result, 1, 2) == DUPLICATE


def test_a_weak_link_does_not_chain_two_different_papers_into_one_cluster():
    # 3 lacks the part number, so it is a plausible duplicate of both 1 and 2,
    # but 1 and 2 are different parts: they must not end up merged.
    result = find_duplicates(
        [
            rec(1, title=TITLE + ". Part I"),
            rec(2, title=TITLE + ". Part II"),
            rec(3, title=TITLE),
        ]
    )
    assert not merged(result, 1, 2)
    assert any(p.decision == MAYBE and "cluster-conflict" in p.reasons for p in result.pairs)


def test_build_clusters_refuses_an_edge_that_would_join_incompatible_members():
    clusters, refused = build_clusters(
        [(0, 1, 0.9), (1, 2, 0.8)], plausible=lambda x, y: {x, y} != {0, 2}
    )
    assert clusters == [[0, 1]]
    assert refused == [(1, 2)]


def test_build_clusters_joins_when_every_cross_pair_is_plausible():
    clusters, refused = build_clusters([(0, 1, 0.9), (1, 2, 0.8)], plausible=lambda x, y: True)
    assert clusters == [[0, 1, 2]]
    assert refused == []


def test_new_import_is_matched_against_existing_records():
    existing = [rec("old-1", doi="10.1000/abc"), rec("old-2", doi="10.1000/abc")]
    result = find_duplicates([rec("new-1", doi="10.1000/abc")], against=existing)
    assert all("new-1" in (p.id_a, p.id_b) for p in result.pairs)
    # Two existing records are never merged with each other by a new import.
    assert not merged(result, "old-1", "old-2")
    (cluster,) = result.clusters
    assert "new-1" in cluster.ids
    assert cluster.representative in {"old-1", "old-2"}


def test_representative_is_the_most_complete_record():
    result = find_duplicates([rec(1, doi="10.1000/x"), rec(2, doi="10.1000/x", pmid="123", abstract="A " * 80)])
    assert result.clusters[0].representative == 2
    assert result.clusters[0].ids[0] == 2


@dataclass
class Citation:
    id: int
    title: str
    authors: list = field(default_factory=list)
    year: int | None = None
    journal: str = ""
    doi: str = ""


def test_dataclass_records_and_missing_fields_are_accepted():
    result = find_duplicates(
        [Citation(1, TITLE, ["Smith J"], 2015, doi="10.1000/x"), Citation(2, TITLE, ["Smith J"], 2015, doi="10.1000/x")]
    )
    assert [set(c.ids) for c in result.clusters] == [{1, 2}]


def test_empty_input_gives_an_empty_result():
    result = find_duplicates([])
    assert result.pairs == () and result.clusters == () and result.review_queue == ()


def test_duplicate_ids_are_refused():
    with pytest.raises(ValueError, match="unique"):
        find_duplicates([rec(1), rec(1)])


def test_messy_fields_do_not_break_the_run():
    result = find_duplicates(
        [
            {"id": "a", "title": None, "authors": None, "year": "2015a", "pages": "NA", "doi": "NA"},
            {"id": "b", "title": "", "authors": "", "year": None},
            {"id": "c", "title": "<b></b>", "authors": ["et al."], "year": "in press"},
            {"id": "d"},
        ]
    )
    assert result.clusters == ()
    assert result.pairs == ()


def test_records_without_titles_are_not_merged_on_year_and_author_alone():
    result = find_duplicates(
        [rec(1, title="", journal="", volume="", pages=""), rec(2, title="", journal="", volume="", pages="")]
    )
    assert result.clusters == ()


def test_a_supplement_doi_shared_by_different_abstracts_does_not_merge_them():
    result = find_duplicates(
        [
            rec(1, title="Effect of drug A on renal function in rats", pages="S120",
                doi="10.1007/s00125-017-4350-z", authors=["Arnold S"]),
            rec(2, title="Heart failure registry outcomes in type 2 diabetes", pages="S299",
                doi="10.1007/s00125-017-4350-z", authors=["Heymans S"]),
        ]
    )
    assert decision(result, 1, 2) == "distinct"


def test_the_queue_asks_once_per_pair_of_clusters():
    # Two clusters of two records each with "maybe" links between them make one question.
    left = [rec(1, doi="10.1000/a1"), rec(2, doi="10.1000/a1")]
    right = [
        rec(3, authors=["Smith J", "Other P"], journal="", volume="", issue="", pages="", doi="10.1000/b2"),
        rec(4, authors=["Smith J", "Other P"], journal="", volume="", issue="", pages="", doi="10.1000/b2"),
    ]
    result = find_duplicates(left + right)
    assert len(result.clusters) == 2
    assert len(result.review_queue) == 1


def test_existing_records_can_be_named_by_id():
    records = [rec("old-1", doi="10.1000/abc"), rec("old-2", doi="10.1000/abc"), rec("new-1", doi="10.1000/abc")]
    result = find_duplicates(records, against={"old-1", "old-2"})
    assert not merged(result, "old-1", "old-2")
    assert all("new-1" in (p.id_a, p.id_b) for p in result.pairs)
    (cluster,) = result.clusters
    assert cluster.representative in {"old-1", "old-2"}


def test_unknown_existing_id_is_refused():
    with pytest.raises(ValueError, match="not among the records"):
        find_duplicates([rec(1)], against={99})


def test_an_article_whose_title_starts_with_correction_is_not_a_notice():
    title = "Correction of hyperglycaemia by early insulin in type 2 diabetes"
    result = find_duplicates([rec(1, title=title), rec(2, title=title)])
    assert decision(result, 1, 2) == DUPLICATE
    result = find_duplicates([rec(1, title=title), rec(2, title="Correction: " + title, pages="1000")])
    assert decision(result, 1, 2) == "distinct"


def test_re_evaluation_is_not_a_reply():
    title = "Re-evaluation of intensive insulin therapy in adults with diabetes mellitus"
    result = find_duplicates([rec(1, title=title), rec(2, title=title)])
    assert decision(result, 1, 2) == DUPLICATE
