"""Relevance ranking of the title/abstract queue: TF-IDF and a class-weighted linear SVM.

Pure: no Django import. The model follows ASReview LAB's default (ELAS u4): word 1-2-grams,
a linear support vector machine with balanced class weights, most likely relevant first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

RETRAIN_EVERY = 10


@dataclass(frozen=True)
class RankerSettings:
    ngram_max: int = 2
    sublinear_tf: bool = True
    c: float = 0.1
    class_weight: str = "balanced"

    def as_dict(self) -> dict:
        return {"model": "tfidf+linear_svm", **asdict(self)}


def record_text(title: str, abstract: str, keywords: str = "") -> str:
    return " ".join(part for part in (title or "", abstract or "", keywords or "") if part)


def fit_scores(texts: Sequence[str], labels: Mapping[int, int], settings: RankerSettings = RankerSettings()) -> np.ndarray:
    """A relevance score per text (higher is more relevant), learnt from ``labels`` {index: 1/0}."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    if set(labels.values()) != {0, 1}:
        raise ValueError("Training needs at least one include (1) and one exclude (0) and no other label.")
    features = TfidfVectorizer(ngram_range=(1, settings.ngram_max), sublinear_tf=settings.sublinear_tf).fit_transform(
        texts
    )
    index = np.fromiter(labels.keys(), dtype=np.int64)
    y = np.fromiter((labels[i] for i in index), dtype=np.int64)
    model = LinearSVC(C=settings.c, class_weight=settings.class_weight).fit(features[index], y)
    return model.decision_function(features)


def rank_order(scores, candidates) -> list[int]:
    """``candidates`` (indexes into ``scores``) by descending score, ties by ascending index."""
    scores = np.asarray(scores)
    return sorted(candidates, key=lambda i: (-float(scores[i]), i))
