"""The pure ranking model: planted vocabulary first, the one ordering rule, clear errors."""

import json

import numpy as np
import pytest

from review.screening import ranking
from review.screening.ranking import (
    RETRAIN_EVERY,
    RankerSettings,
    fit_scores,
    rank_order,
    record_text,
)
from tests.conftest import shared_path

FILLER = [
    "hospital admissions in older adults with heart failure",
    "a survey of dietary habits among school children",
    "cost effectiveness of knee replacement surgery",
    "air pollution and asthma in urban populations",
    "sleep duration and cognitive decline in a cohort",
    "vaccination uptake after a public information campaign",
]


def _corpus(n_planted=12, n_other=60, seed=3):
    """Records about IVIg in myositis (the planted vocabulary) hidden among unrelated abstracts."""
    rng = np.random.default_rng(seed)
    texts, relevant = [], []
    for i in range(n_planted + n_other):
        filler = " ".join(rng.choice(FILLER, size=3))
        if i < n_planted:
            texts.append(f"intravenous immunoglobulin for dermatomyositis and polymyositis {filler}")
            relevant.append(1)
        else:
            texts.append(filler)
            relevant.append(0)
    order = rng.permutation(len(texts))
    return [texts[i] for i in order], [relevant[i] for i in order]


def test_planted_vocabulary_ranks_its_records_first():
    texts, relevant = _corpus()
    planted = [i for i, r in enumerate(relevant) if r]
    other = [i for i, r in enumerate(relevant) if not r]
    labels = {planted[0]: 1, other[0]: 0, other[1]: 0}
    scores = fit_scores(texts, labels)
    candidates = [i for i in range(len(texts)) if i not in labels]
    order = rank_order(scores, candidates)
    still_planted = len(planted) - 1
    assert sorted(order[:still_planted]) == sorted(planted[1:])


def test_scores_are_one_float_per_text():
    texts, relevant = _corpus()
    scores = fit_scores(texts, {relevant.index(1): 1, relevant.index(0): 0})
    assert scores.shape == (len(texts),) and scores.dtype == np.float64


def test_rank_order_sorts_by_descending_score_then_ascending_index():
    scores = np.array([0.5, 0.9, 0.5, -1.0, 0.9, 0.5])
    assert rank_order(scores, [5, 0, 3, 2, 4, 1]) == [1, 4, 0, 2, 5, 3]
    assert rank_order(scores, []) == []


def test_rank_order_keeps_only_the_candidates():
    assert rank_order([3.0, 2.0, 1.0, 0.0], [3, 1]) == [1, 3]


def test_fit_scores_is_fit_on_the_vectorised_texts():
    texts, relevant = _corpus()
    labels = {relevant.index(1): 1, relevant.index(0): 0}
    direct = fit_scores(texts, labels)
    split = ranking.fit_scores_matrix(ranking.vectorise(texts), labels)
    assert np.array_equal(direct, split)


def test_fit_scores_is_deterministic():
    texts, relevant = _corpus()
    labels = {i: r for i, r in enumerate(relevant) if i % 3 == 0}
    assert np.array_equal(fit_scores(texts, labels), fit_scores(texts, labels))


@pytest.mark.parametrize(
    "labels, message",
    [
        ({}, "it has 0 include(s) and 0 exclude(s)"),
        ({0: 1, 1: 1}, "it has 2 include(s) and 0 exclude(s)"),
        ({0: 0}, "it has 0 include(s) and 1 exclude(s)"),
    ],
)
def test_fit_needs_one_include_and_one_exclude(labels, message):
    texts, _ = _corpus()
    with pytest.raises(ValueError, match=r"at least one settled include and one settled exclude") as caught:
        fit_scores(texts, labels)
    assert message in str(caught.value)


def test_fit_refuses_a_label_that_is_not_zero_or_one():
    with pytest.raises(ValueError) as caught:
        fit_scores(["a b", "c d", "e f"], {0: 1, 1: 0, 2: 2})
    assert str(caught.value) == ranking.BAD_LABEL.format(index=2, value=2)


def test_fit_refuses_an_index_outside_the_texts():
    with pytest.raises(ValueError) as caught:
        fit_scores(["alpha beta", "gamma delta"], {0: 1, 5: 0})
    assert str(caught.value) == ranking.BAD_INDEX.format(index=5, count=2, last=1)


def test_texts_without_any_word_score_equally():
    scores = fit_scores(["", "", ""], {0: 1, 1: 0})
    assert len(set(scores.tolist())) == 1


def test_record_text_joins_title_abstract_and_keywords_and_skips_blanks():
    assert record_text(" IVIg in myositis ", "", "Myositis; Immunoglobulins") == (
        "IVIg in myositis Myositis; Immunoglobulins"
    )
    assert record_text("Title", "Abstract.") == "Title Abstract."


def test_settings_as_dict_is_json_and_names_every_setting():
    settings = RankerSettings()
    recorded = json.loads(json.dumps(settings.as_dict()))
    assert recorded["classifier"] == "svm" and recorded["ngram_max"] == 2
    assert set(recorded) == {"model", "ngram_max", "min_df", "max_df", "sublinear_tf", "classifier", "C", "include_weight"}


def test_the_default_drops_terms_found_in_one_record_only():
    texts = ["alpha beta", "alpha gamma", "delta beta", "epsilon zeta"]
    features, terms = ranking.tfidf_with_terms(texts)
    assert sorted(terms) == ["alpha", "beta"] and features.shape == (4, 2)
    assert len(ranking.tfidf_with_terms(texts, RankerSettings(min_df=1))[1]) == 10


def test_unknown_classifier_is_refused():
    with pytest.raises(ValueError, match="Unknown classifier 'forest'"):
        RankerSettings(classifier="forest")


def test_logistic_regression_also_ranks_the_planted_records_first():
    texts, relevant = _corpus()
    planted = [i for i, r in enumerate(relevant) if r]
    other = [i for i, r in enumerate(relevant) if not r]
    labels = {planted[0]: 1, other[0]: 0, other[1]: 0}
    scores = fit_scores(texts, labels, RankerSettings(classifier="logistic", C=10.0))
    order = rank_order(scores, [i for i in range(len(texts)) if i not in labels])
    assert sorted(order[: len(planted) - 1]) == sorted(planted[1:])


@pytest.mark.parametrize("second", ["nb", "logistic"])
def test_an_ensemble_still_ranks_the_planted_records_first(second):
    texts, relevant = _corpus()
    planted = [i for i, r in enumerate(relevant) if r]
    other = [i for i, r in enumerate(relevant) if not r]
    labels = {planted[0]: 1, other[0]: 0, other[1]: 0}
    scores = fit_scores(texts, labels, RankerSettings(second=second))
    order = rank_order(scores, [i for i in range(len(texts)) if i not in labels])
    assert sorted(order[: len(planted) - 1]) == sorted(planted[1:])


def test_ensemble_score_is_the_mean_of_the_two_models_ranks_scaled_to_one():
    from scipy.stats import rankdata

    texts, relevant = _corpus()
    labels = {i: r for i, r in enumerate(relevant) if i % 4 == 0}
    features = ranking.vectorise(texts)
    svm = ranking.fit_scores_matrix(features, labels, RankerSettings())
    logistic = ranking.fit_scores_matrix(features, labels, RankerSettings(classifier="logistic"))
    both = ranking.fit_scores_matrix(features, labels, RankerSettings(second="logistic"))
    n = len(texts)
    np.testing.assert_allclose(both, (rankdata(svm) + rankdata(logistic) - 2) / (2 * (n - 1)))
    assert both.min() >= 0 and both.max() <= 1


def test_unknown_second_model_is_refused():
    with pytest.raises(ValueError, match="Unknown second model 'forest'"):
        RankerSettings(second="forest")


def test_an_ensemble_is_recorded_and_a_single_model_records_what_older_runs_stored():
    assert json.loads(json.dumps(RankerSettings(second="nb").as_dict()))["second"] == "nb"
    assert "second" not in RankerSettings(second="").as_dict()


def test_retraining_interval_is_ten():
    assert RETRAIN_EVERY == 10


def _as_sklearn_columns(texts, settings):
    from sklearn.feature_extraction.text import TfidfVectorizer

    reference = TfidfVectorizer(
        ngram_range=(1, settings.ngram_max), min_df=settings.min_df, max_df=settings.max_df,
        sublinear_tf=settings.sublinear_tf,
    )
    expected = reference.fit_transform(texts).toarray()
    features, terms = ranking.tfidf_with_terms(texts, settings)
    columns = [reference.vocabulary_[term] for term in terms]
    return features.toarray(), expected[:, columns], len(reference.vocabulary_)


@pytest.mark.parametrize(
    "ranker",
    [RankerSettings(), RankerSettings(ngram_max=1, sublinear_tf=False), RankerSettings(min_df=2, max_df=0.5)],
    ids=["default", "words-raw-tf", "min-df-2-max-df-half"],
)
def test_tfidf_equals_scikit_learns_tfidf_vectorizer(ranker):
    texts, _ = _corpus(n_planted=8, n_other=30)
    texts[4] = "Ünïcode wörds, UPPER case; punctuation—and a  x y z one-letter run"
    texts[7] = ""
    ours, theirs, n_terms = _as_sklearn_columns(texts, ranker)
    assert ours.shape[1] == n_terms
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_tfidf_on_real_abstracts_equals_scikit_learns():
    from review.screening.simulation import read_labelled_csv

    labelled = read_labelled_csv(
        shared_path("screening", "asreview_legacy", "Cohen_2006_Antihistamines.csv"), "label_abstract_screening"
    )
    ours, theirs, n_terms = _as_sklearn_columns(list(labelled.texts), RankerSettings())
    assert ours.shape[1] == n_terms
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
