"""Leave-one-set-out threshold choice (bench/dedup_loso.py) and injectable thresholds."""

from pathlib import Path

import pytest

from bench import dedup_loso, dedup_sets
from bench.bench_dedup import without_abstracts_and_dois
from review.dedup import DUPLICATE, MAYBE, Thresholds, find_duplicates
from review.dedup.scoring import MIN_TITLE, QUEUE_TITLE, SPELLING, TITLES_AGREE

from .test_dedup_engine import TITLE, decision, rec

REPO_ROOT = Path(__file__).resolve().parents[3]

LOOSE = Thresholds(titles_agree=0.90, queue_title=0.85)
STRICT = Thresholds(titles_agree=0.98, queue_title=0.85)
SHORT_QUEUE = Thresholds(titles_agree=0.98, queue_title=0.95)


def figs(*, fp=0, tp=9, fn=1, queue=1, records=100, queue_tp=None):
    auto = dedup_sets.Scores(tp, fp, fn, 0)
    found = tp + fn if queue_tp is None else queue_tp
    with_queue = dedup_sets.Scores(found, fp, tp + fn - found, 0)
    return dedup_loso.Figures(records, auto, with_queue, queue)


def test_default_thresholds_are_the_rules_constants():
    assert Thresholds() == Thresholds(MIN_TITLE, TITLES_AGREE, SPELLING, QUEUE_TITLE)
    assert (TITLES_AGREE, QUEUE_TITLE, MIN_TITLE, SPELLING) == (0.95, 0.85, 0.70, 0.8)


def test_a_stricter_titles_agree_sends_a_typo_title_to_the_queue():
    # 0.96 alike: merged at Concord's 0.95, asked at 0.98.
    typo = TITLE.replace("intensive", "intnsive").replace("adults", "adluts")
    records = [rec(1), rec(2, title=typo)]
    assert decision(find_duplicates(records), 1, 2) == DUPLICATE
    assert decision(find_duplicates(records, thresholds=Thresholds(titles_agree=0.98)), 1, 2) == MAYBE


def test_a_higher_queue_threshold_stops_asking_about_looser_titles():
    other = rec(2, title=TITLE.replace("Long-term outcomes", "Short-term harms"), volume="39", pages="1-9")
    records = [rec(1), other]
    assert decision(find_duplicates(records), 1, 2) == MAYBE
    assert decision(find_duplicates(records, thresholds=Thresholds(queue_title=0.95)), 1, 2) == "distinct"


def test_the_held_out_set_never_influences_its_own_choice():
    # LOOSE merges two papers only in set C: held out C, LOOSE is chosen (best sensitivity
    # elsewhere); held out A, C's false merge rules LOOSE out.
    results = {
        LOOSE: {("A", "x"): figs(tp=10, fn=0), ("B", "x"): figs(tp=10, fn=0), ("C", "x"): figs(fp=1)},
        STRICT: {("A", "x"): figs(tp=8, fn=2), ("B", "x"): figs(tp=8, fn=2), ("C", "x"): figs()},
    }
    assert dedup_loso.choose(results, "C") == LOOSE
    assert dedup_loso.choose(results, "A") == STRICT
    folds = {f.held_out: f for f in dedup_loso.leave_one_set_out(results, fixed=STRICT)}
    assert folds["C"].chosen_runs["x"].auto.fp == 1  # scored on the set it never saw
    assert folds["C"].fixed_runs["x"].auto.fp == 0


def test_both_variants_of_the_held_out_set_are_left_out():
    # The hard variant of A is A too: its false merge must not count when A is held out.
    results = {
        LOOSE: {("A", "as exported"): figs(), ("A", "hard"): figs(fp=3), ("B", "hard"): figs(tp=10, fn=0)},
        STRICT: {("A", "as exported"): figs(), ("A", "hard"): figs(), ("B", "hard"): figs(tp=8, fn=2)},
    }
    assert dedup_loso.choose(results, "A") == LOOSE
    assert dedup_loso.choose(results, "B") == STRICT


def test_a_queue_over_two_percent_on_another_set_rules_a_setting_out():
    results = {
        STRICT: {("A", "x"): figs(queue=3, queue_tp=10), ("B", "x"): figs(queue=1, queue_tp=10)},
        SHORT_QUEUE: {("A", "x"): figs(queue=1, queue_tp=9), ("B", "x"): figs(queue=1, queue_tp=9)},
    }
    # Held out B, A's 3% queue rules STRICT out despite its better sensitivity.
    assert dedup_loso.choose(results, "B") == SHORT_QUEUE
    assert dedup_loso.choose(results, "A") == STRICT


def test_ties_go_to_the_stricter_setting():
    same = {("A", "x"): figs(), ("B", "x"): figs()}
    assert dedup_loso.choose({LOOSE: same, STRICT: same, SHORT_QUEUE: same}, "A") == SHORT_QUEUE


def test_when_every_setting_merges_two_papers_the_fewest_false_merges_win():
    results = {
        LOOSE: {("A", "x"): figs(), ("B", "x"): figs(fp=2, tp=10, fn=0)},
        STRICT: {("A", "x"): figs(), ("B", "x"): figs(fp=1)},
    }
    assert dedup_loso.choose(results, "A") == STRICT


def test_the_grid_always_holds_concords_own_setting():
    settings = dedup_loso.grid(titles_agree=(0.9,), queue_title=(0.8,), abstract_same=(), strong_authors=())
    assert settings == [Thresholds(titles_agree=0.9, queue_title=0.8), Thresholds()]


def test_run_grid_scores_each_setting_on_each_variant():
    labelled = dedup_sets.LabelledSet(
        "tiny", [rec(1, doi="10.1/x"), rec(2, doi="10.1/x"), rec(3, title="Another paper entirely about kidneys")],
        [frozenset({1, 2}), frozenset({3})],
    )
    sets = dedup_loso.variants(labelled, without_abstracts_and_dois)
    results = dedup_loso.run_grid(sets, [Thresholds()], lambda r, t: find_duplicates(r, thresholds=t))
    runs = results[Thresholds()]
    assert set(runs) == {("tiny", "as exported"), ("tiny", "hard")}
    assert runs[("tiny", "as exported")].auto.tp == 1
    assert runs[("tiny", "hard")].records == 3


SCREENING = REPO_ROOT.parent / "shared" / "test-data" / "screening" / "asreview_legacy"


@pytest.mark.shared_data
@pytest.mark.skipif(not SCREENING.is_dir(), reason=f"screening sets not found at {SCREENING}")
def test_screening_sets_give_their_duplicate_links_as_clusters():
    nagtegaal = dedup_sets.load_asreview_screening("Nagtegaal_2019", corrected=False)
    kitchenham = dedup_sets.load_asreview_screening("Kitchenham_2010", corrected=False)
    assert (len(nagtegaal.records), len(kitchenham.records)) == (2019, 1704)
    assert sum(len(c) - 1 for c in nagtegaal.clusters) == 11
    assert sum(len(c) - 1 for c in kitchenham.clusters) == 6
    # With the links the shipped files leave out (``MISSING_LINKS``), four more pairs each.
    assert sum(len(c) - 1 for c in dedup_sets.load_asreview_screening("Nagtegaal_2019").clusters) == 15
    assert sum(len(c) - 1 for c in dedup_sets.load_asreview_screening("Kitchenham_2010").clusters) == 10
    assert frozenset({603, 71}) in kitchenham.clusters
    assert sum(len(c) for c in kitchenham.clusters) == 1704


def test_a_set_where_no_setting_meets_the_queue_target_holds_settings_to_its_best_queue():
    # A 12-record set: one question is 17% under every setting; it must not void the target.
    results = {
        STRICT: {("A", "x"): figs(queue=3, queue_tp=10), ("tiny", "x"): figs(records=12, queue=2, queue_tp=10)},
        SHORT_QUEUE: {("A", "x"): figs(queue=1, queue_tp=9), ("tiny", "x"): figs(records=12, queue=2, queue_tp=9)},
        LOOSE: {("A", "x"): figs(queue=1, queue_tp=9), ("tiny", "x"): figs(records=12, queue=4, queue_tp=10)},
    }
    assert dedup_loso.choose(results, "B") == SHORT_QUEUE


# --- speed-ups that must not change a decision -----------------------------------------


def _reference_title(title):
    """normalise_title before the speed-ups: three regex passes over every title."""
    from review.dedup.normalise import _GLUED_GREEK_RE, _GLUED_IN_RE, _NON_WORD_RE, _fold

    text = _NON_WORD_RE.sub(" ", _fold(str(title)))
    text = _GLUED_GREEK_RE.sub(r" \1", text)
    text = _GLUED_IN_RE.sub(r"in \1", text)
    return " ".join(text.split())


TRICKY_TITLES = [
    "TNFalpha levels in sepsis",
    "IL1beta levels in sepsis",
    "Apoptosis measured invitro",
    "Apoptosis measured invivo",
    "Apoptosis measured insitu",
    "Apoptosis modelled insilico",
    "Ca2+ &amp; K<sub>Ca</sub>3.1_channel [Article in German] (author's transl).",
    "".join(chr(c) for c in range(128)),
    "Ünïcödé β-cells and μ-opioid café_au_lait — “quotes”",
    "thetaburst alphabet betamethasone omega3 sigmaplot",
]


def test_spaced_words_split_like_the_regex_on_every_ascii_character():
    from review.dedup.normalise import _NON_WORD_RE, _words_spaced

    for text in TRICKY_TITLES:
        assert _words_spaced(text).split() == _NON_WORD_RE.sub(" ", text).split()


def test_normalised_titles_are_unchanged_by_the_substring_guards():
    from review.dedup import normalise_title

    for title in TRICKY_TITLES:
        assert normalise_title(title) == _reference_title(title)


@pytest.mark.shared_data
@pytest.mark.skipif(not dedup_sets.available(), reason="labelled sets not found")
def test_normalised_titles_and_abstracts_are_unchanged_on_every_shared_record():
    from review.dedup import normalise_title
    from review.dedup.normalise import _NON_WORD_RE, _fold, _words_spaced

    records = [r for s in dedup_sets.load_all() for r in s.records]
    assert len(records) > 13_000
    for r in records:
        assert normalise_title(r["title"]) == _reference_title(r["title"]), r["title"]
        abstract = _fold(str(r["abstract"] or "")[:450])
        assert _words_spaced(abstract).split() == _NON_WORD_RE.sub(" ", abstract).split()


def test_the_collector_is_paused_only_during_a_run_and_left_as_it_was():
    import gc

    from review.dedup import engine

    seen = []
    original = engine._find_duplicates

    def spy(*args):
        seen.append(gc.isenabled())
        return original(*args)

    was = gc.isenabled()
    try:
        engine._find_duplicates = spy
        gc.enable()
        find_duplicates([rec(1), rec(2)])
        assert gc.isenabled()
        gc.disable()
        find_duplicates([rec(1), rec(2)])
        assert not gc.isenabled()  # a caller that disabled it keeps it disabled
        gc.enable()
        with pytest.raises(ValueError):
            find_duplicates([rec(1), rec(1)])
        assert gc.isenabled()  # restored after an error too
    finally:
        engine._find_duplicates = original
        if was:
            gc.enable()
        else:
            gc.disable()
    assert seen == [False, False, False]


def test_the_grid_varies_the_abstract_threshold_with_the_default_titles():
    settings = dedup_loso.grid(
        titles_agree=(0.95,), queue_title=(0.85,), abstract_same=(0.90, 0.95, 1.0), strong_authors=()
    )
    assert sorted(t.abstract_same for t in settings) == [0.90, 0.95, 1.0]
    assert all(t.titles_agree == TITLES_AGREE for t in settings)
    assert "abstract_same=0.90" in dedup_loso.describe(Thresholds(abstract_same=0.9))


def test_the_grid_varies_the_author_threshold_with_the_default_titles():
    settings = dedup_loso.grid(titles_agree=(0.95,), queue_title=(0.85,), abstract_same=(), strong_authors=(0.8, 1.0))
    assert sorted(t.strong_authors for t in settings) == [0.8, 0.9, 1.0]
    assert all(t.titles_agree == TITLES_AGREE for t in settings)
    assert "strong_authors=0.80" in dedup_loso.describe(Thresholds(strong_authors=0.8))


def test_a_stricter_author_threshold_sends_a_year_apart_pair_to_the_queue():
    # Nine of ten authors shared, the first one not: 0.9 alike.
    names = [f"Author{k}, A." for k in range(9)]
    title = "Circulating levels of apelin and visfatin in hypercholesterolemic guinea-pigs and their relation with NO"
    a = {"id": 1, "title": title, "authors": ["Kusku, Z.", *names], "year": 2014, "journal": "Mol Cell Biochem",
         "volume": "400", "issue": "1-2", "pages": "69-75"}
    b = {**a, "id": 2, "authors": ["Genc, S.", *names], "year": 2015}
    assert decision(find_duplicates([a, b]), 1, 2) == DUPLICATE
    assert decision(find_duplicates([a, b], thresholds=Thresholds(strong_authors=1.0)), 1, 2) == MAYBE


@pytest.mark.shared_data
@pytest.mark.skipif(not dedup_sets.SCREENING_DIR.is_dir(), reason="screening sets not found")
def test_the_added_screening_links_join_records_with_one_abstract_that_the_shipped_links_leave_apart():
    import csv

    from review.dedup.prepared import prepare

    for stem, pairs in dedup_sets.MISSING_LINKS.items():
        shipped = dedup_sets.load_asreview_screening(stem, corrected=False)
        corrected = dedup_sets.load_asreview_screening(stem)
        with (dedup_sets.SCREENING_DIR / f"{stem}.csv").open(encoding="utf-8", newline="") as handle:
            rows = {int(r["record_id"]): r for r in csv.DictReader(handle)}
        for a, b in pairs:
            assert not any({a, b} <= c for c in shipped.clusters), (stem, a, b)
            assert any({a, b} <= c for c in corrected.clusters), (stem, a, b)
            # The evidence for adding the link: one abstract opening (folded, as compared) and one year.
            opening_a, opening_b = (prepare({"abstract": rows[i]["abstract"]}, 0).abstract for i in (a, b))
            assert len(opening_a) >= 100 and opening_a == opening_b, (stem, a, b)
            assert rows[a].get("year") == rows[b].get("year"), (stem, a, b)
