"""The relevance model behind "most likely relevant first": TF-IDF and a class-weighted linear SVM.

Pure Python (scikit-learn, numpy, pandas), no Django import, so the live queue, the background worker,
``manage.py screening_simulate`` and the benchmark all rank with this one module.

The model follows ASReview LAB's default, ELAS u4 (van de Schoot et al. 2021; ASReview LAB 2.0,
2025): word 1–2-gram TF-IDF with sublinear term frequency over the whole set of records (TF-IDF
needs no labels, so it may see the unscreened records too), and a linear support vector machine
fitted to the settled records with the classes re-weighted, because includes are rare. Records are
then screened by descending decision value. :class:`RankerSettings` holds the defaults chosen by
leave-one-set-out over seven labelled sets (``docs/screening-ranking.md``): ELAS u4's features
less the terms found in a single record (``min_df = 2``), with scikit-learn's ``C = 1`` and equal
total class weights (ELAS u4: every term, ``C = 0.11``, includes 9.8 times the excludes), chosen
in every fold. A term in one record only cannot carry what was learnt to any other record, yet it
takes a share of that record's unit length and lets the SVM fit a labelled record by its private
words instead of the shared ones. Every retraining records ``settings.as_dict()``.

References
----------
van de Schoot R, de Bruin J, Schram R, et al. An open source machine learning framework for
efficient and transparent systematic reviews. Nature Machine Intelligence 2021;3:125–133.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.stats import rankdata
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

#: The live queue retrains after this many newly settled records; the simulation does the same.
RETRAIN_EVERY = 10

CLASSIFIERS = ("svm", "logistic")
#: Second models that may be averaged with the first on rank ("" for none).
SECOND_MODELS = ("", "logistic", "nb")

#: scikit-learn's default token pattern: words of two or more word characters.
TOKEN = re.compile(r"(?u)\b\w\w+\b")

NEEDS_BOTH_CLASSES = (
    "The ranking model needs at least one settled include and one settled exclude; "
    "it has {includes} include(s) and {excludes} exclude(s)."
)
BAD_LABEL = "Label for record {index} is {value!r}; a label must be 1 (include) or 0 (exclude)."
BAD_INDEX = "Label given for record {index}, but there are only {count} records (indices 0 to {last})."
BAD_NGRAM = "ngram_max must be 1 (words) or 2 (words and word pairs); it is {value!r}."
BAD_CLASSIFIER = "Unknown classifier {kind!r}; choose one of: " + ", ".join(CLASSIFIERS) + "."
BAD_SECOND = "Unknown second model {kind!r}; choose one of: " + ", ".join(repr(k) for k in SECOND_MODELS) + "."


@dataclass(frozen=True)
class RankerSettings:
    """Everything that determines the model; ``as_dict()`` is stored with every retraining.

    ``include_weight`` is the total weight of the includes relative to that of the excludes in the
    training loss: 1.0 is scikit-learn's ``class_weight="balanced"`` (both classes weigh the same in
    total); ASReview's ELAS u4 uses 9.8. ``min_df`` is a count of records (2: a term must occur
    in two records or more; runs recorded before 2026-12-06 used 1), ``max_df`` a share.
    ``second`` names a second model fitted to the same records and averaged with the first on
    rank (:func:`fit_scores_matrix`): ``"logistic"`` (class-weighted logistic regression, C = 1)
    or ``"nb"`` (complement naive Bayes, Rennie et al. 2003, scikit-learn's defaults); ``""``
    for the first model alone. Runs recorded before ``second`` existed used none.
    """

    ngram_max: int = 2
    min_df: int = 2
    max_df: float = 0.95
    sublinear_tf: bool = True
    classifier: str = "svm"
    C: float = 1.0
    include_weight: float = 1.0
    second: str = ""

    def __post_init__(self):
        if self.classifier not in CLASSIFIERS:
            raise ValueError(BAD_CLASSIFIER.format(kind=self.classifier))
        if self.second not in SECOND_MODELS:
            raise ValueError(BAD_SECOND.format(kind=self.second))
        if self.ngram_max not in (1, 2):
            raise ValueError(BAD_NGRAM.format(value=self.ngram_max))

    def as_dict(self) -> dict:
        settings = asdict(self)
        if not self.second:
            # A single model records exactly what runs stored before ``second`` existed.
            del settings["second"]
        return {"model": "tfidf-linear", **settings}


def record_text(title: str, abstract: str, keywords: str = "") -> str:
    """The one text a record is ranked by: title, abstract and keywords, blank parts left out."""
    return " ".join(part.strip() for part in (title or "", abstract or "", keywords or "") if part.strip())


@dataclass(frozen=True)
class Terms:
    """What the columns of a count matrix stand for: the words, then the word pairs."""

    words: list[str]
    pair_keys: np.ndarray

    def names(self) -> list[str]:
        n = len(self.words)
        return self.words + [f"{self.words[key // n]} {self.words[key % n]}" for key in self.pair_keys.tolist()]


def _term_counts(texts: Sequence[str], ngram_max: int) -> tuple[sparse.csr_matrix, Terms]:
    """Counts of every word and (when ``ngram_max`` is 2) adjacent word pair, per text.

    The same terms as scikit-learn's ``CountVectorizer(ngram_range=(1, ngram_max))`` (lower-cased
    text, words of two or more word characters), but counted with numpy: a pair is the integer
    ``first * words + second``, so 100,000 abstracts are counted in seconds, not a minute. The
    columns are in order of first appearance; the term names are built only on demand.
    """
    tokens_per_text = [TOKEN.findall(text.lower()) for text in texts]
    lengths = np.fromiter((len(tokens) for tokens in tokens_per_text), dtype=np.int64, count=len(texts))
    all_tokens = np.fromiter(chain.from_iterable(tokens_per_text), dtype=object, count=int(lengths.sum()))
    del tokens_per_text
    # pandas' hash-table factorize numbers values in order of first appearance in linear time.
    ids, words = pd.factorize(all_tokens)
    del all_tokens
    words = words.tolist()
    ids = ids.astype(np.int64, copy=False)
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    columns = ids
    n_words = len(words)
    pair_keys = np.empty(0, dtype=np.int64)
    if ngram_max == 2 and ids.size > 1:
        same_text = rows[:-1] == rows[1:]
        pair_columns, pair_keys = pd.factorize(ids[:-1][same_text] * n_words + ids[1:][same_text])
        pair_keys = np.asarray(pair_keys, dtype=np.int64)
        rows = np.concatenate([rows, rows[:-1][same_text]])
        columns = np.concatenate([ids, n_words + pair_columns.astype(np.int64, copy=False)])
    counts = sparse.coo_matrix(
        (np.ones(columns.size, dtype=np.float32), (rows, columns)),
        shape=(len(texts), n_words + pair_keys.size),
    ).tocsr()
    counts.sum_duplicates()
    return counts, Terms(words=words, pair_keys=pair_keys)


def vectorise(texts: Sequence[str], settings: RankerSettings = RankerSettings()) -> sparse.csr_matrix:
    """TF-IDF features of every record; they depend on the texts alone, never on a label.

    Equal (up to the order of the columns and float32 rounding) to scikit-learn's
    ``TfidfVectorizer(ngram_range=(1, ngram_max), min_df, max_df, sublinear_tf)`` with its other
    defaults: smoothed idf ``ln((1 + n) / (1 + df)) + 1`` and rows scaled to unit length.
    """
    return _tfidf(texts, settings)[0]


def tfidf_with_terms(
    texts: Sequence[str], settings: RankerSettings = RankerSettings()
) -> tuple[sparse.csr_matrix, list[str]]:
    """:func:`vectorise` and the term each column stands for (``[""]`` when there is none)."""
    features, terms, keep = _tfidf(texts, settings)
    names = terms.names()
    return features, [names[i] for i in keep] if keep.size else [""]


def _tfidf(texts: Sequence[str], settings: RankerSettings) -> tuple[sparse.csr_matrix, Terms, np.ndarray]:
    counts, terms = _term_counts(texts, settings.ngram_max)
    n = len(texts)
    document_frequency = np.bincount(counts.indices, minlength=counts.shape[1])
    max_count = settings.max_df * n if isinstance(settings.max_df, float) else settings.max_df
    keep = np.flatnonzero((document_frequency >= settings.min_df) & (document_frequency <= max(max_count, 1)))
    if keep.size == 0:
        # Every text empty (or only one-letter words): no feature at all, so every score is equal.
        return sparse.csr_matrix((n, 1), dtype=np.float32), terms, keep
    if keep.size < counts.shape[1]:
        counts = counts[:, keep]
        document_frequency = document_frequency[keep]
    if settings.sublinear_tf:
        np.log(counts.data, out=counts.data)
        counts.data += 1
    idf = (np.log((1 + n) / (1 + document_frequency)) + 1).astype(np.float32)
    counts.data *= idf[counts.indices]
    row_norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).reshape(-1))
    row_norms[row_norms == 0] = 1
    counts.data /= np.repeat(row_norms, np.diff(counts.indptr)).astype(np.float32)
    return counts, terms, keep


def _training_set(labels: Mapping[int, int], count: int) -> tuple[np.ndarray, np.ndarray]:
    indices = np.fromiter(labels.keys(), dtype=np.int64, count=len(labels))
    values = np.fromiter(labels.values(), dtype=np.int64, count=len(labels))
    for index, value in labels.items():
        if value not in (0, 1) or isinstance(value, bool):
            raise ValueError(BAD_LABEL.format(index=index, value=value))
        if not 0 <= index < count:
            raise ValueError(BAD_INDEX.format(index=index, count=count, last=count - 1))
    includes = int(values.sum())
    excludes = len(values) - includes
    if includes == 0 or excludes == 0:
        raise ValueError(NEEDS_BOTH_CLASSES.format(includes=includes, excludes=excludes))
    return indices, values


def _class_weights(y: np.ndarray, include_weight: float) -> np.ndarray:
    includes = int(y.sum())
    excludes = len(y) - includes
    # Each include weighs include_weight * excludes / includes times an exclude, so the includes'
    # total weight is include_weight times the excludes'; normalised to a mean weight of one.
    weights = np.where(y == 1, include_weight * excludes / includes, 1.0)
    return weights * (len(y) / weights.sum())


def _decision(kind: str, C: float, X, y: np.ndarray, weights: np.ndarray, features) -> np.ndarray:
    if kind == "svm":
        model = LinearSVC(C=C, loss="squared_hinge", dual=True, max_iter=5000, random_state=0)
    elif kind == "logistic":
        model = LogisticRegression(C=C, solver="liblinear", dual=True, max_iter=1000)
    else:
        # Complement naive Bayes was made for skewed classes (it estimates each class's word
        # weights from all the other classes' records, so the rare class is not starved).
        model = ComplementNB()
    model.fit(X, y, sample_weight=weights)
    if kind == "nb":
        joint = model.predict_joint_log_proba(features)
        return np.asarray(joint[:, 1] - joint[:, 0], dtype=np.float64)
    return np.asarray(model.decision_function(features), dtype=np.float64)


def fit_scores_matrix(
    features: sparse.spmatrix, labels: Mapping[int, int], settings: RankerSettings = RankerSettings()
) -> np.ndarray:
    """Fit on the labelled rows of ``features`` and score every row (higher = more likely relevant).

    With ``settings.second`` the score is the mean of the two models' ranks over all rows, scaled
    to 0..1 (a Borda count: it needs no calibration of one model's scale to the other's, and a
    record both models put near the top stays there). ``fit_scores(texts, labels, s)`` is
    ``fit_scores_matrix(vectorise(texts, s), labels, s)``; the simulation vectorises once and
    calls this after each retraining, since the features never change.
    """
    indices, y = _training_set(labels, features.shape[0])
    weights = _class_weights(y, settings.include_weight)
    X = features[indices]
    first = _decision(settings.classifier, settings.C, X, y, weights, features)
    if not settings.second:
        return first
    second = _decision(settings.second, 1.0, X, y, weights, features)
    count = features.shape[0]
    return (rankdata(first) + rankdata(second) - 2) / (2 * max(count - 1, 1))


def fit_scores(
    texts: Sequence[str], labels: Mapping[int, int], settings: RankerSettings = RankerSettings()
) -> np.ndarray:
    """One relevance score per text, from a model fitted to ``labels`` (index into texts -> 1 or 0).

    Raises ``ValueError`` unless ``labels`` holds at least one include and one exclude, every label
    is 0 or 1 and every index is within ``texts``.
    """
    _training_set(labels, len(texts))
    return fit_scores_matrix(vectorise(texts, settings), labels, settings)


def rank_order(scores: Sequence[float] | np.ndarray, candidates: Sequence[int]) -> list[int]:
    """``candidates`` by descending score, ties by ascending index: the one ordering rule."""
    candidate_array = np.asarray(candidates, dtype=np.int64)
    if candidate_array.size == 0:
        return []
    candidate_scores = np.asarray(scores, dtype=np.float64)[candidate_array]
    # lexsort sorts by its last key first: score descending, then index ascending.
    return candidate_array[np.lexsort((candidate_array, -candidate_scores))].tolist()
