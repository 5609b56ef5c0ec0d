"""When prioritised screening may stop: the hypergeometric test of Callaghan and Müller-Hansen.

Pure: no Django import.

References
----------
Callaghan MW, Müller-Hansen F (2020). Statistical stopping criteria for automated screening
in systematic reviews. Systematic Reviews 9:273.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from scipy.stats import hypergeom


@dataclass(frozen=True)
class StoppingResult:
    screened: int
    includes_found: int
    total: int
    recall_target: float
    confidence: float
    p_value: float | None
    estimated_recall: float | None
    consecutive_irrelevant: int
    can_stop: bool

    def as_dict(self) -> dict:
        return asdict(self)


def buscar(screened_labels, total: int, *, recall_target: float = 0.95, confidence: float = 0.95, prior: int = 0):
    """p-value of H0 "recall < recall_target" after screening ``screened_labels`` (1/0, in order)
    out of ``total`` records; ``prior`` includes were found before these, outside the urn."""
    labels = np.asarray(list(screened_labels), dtype=np.int64)
    n_seen = len(labels)
    if total < n_seen:
        raise ValueError(f"total ({total}) is smaller than the records screened ({n_seen}).")
    r_seen = int(labels.sum()) + prior
    run = 0
    for label in labels[::-1]:
        if label:
            break
        run += 1
    p_value = None
    if n_seen and r_seen:
        last = labels[::-1]
        n_vec = np.arange(1, n_seen + 1)
        k_vec = np.cumsum(last)
        r_before = r_seen - k_vec
        k_hat = np.floor(r_seen / recall_target - r_before + 1)
        urn = total - (n_seen - n_vec)
        p_value = float(np.min(hypergeom.cdf(k_vec, urn, np.minimum(k_hat, urn), n_vec)))
    remaining = total - n_seen
    window = labels[-min(n_seen, 100):] if n_seen else labels
    rate = float(window.mean()) if len(window) else 0.0
    estimated = r_seen / (r_seen + rate * remaining) if r_seen else None
    can_stop = p_value is not None and p_value < 1 - confidence
    return StoppingResult(n_seen, r_seen, total, recall_target, confidence, p_value, estimated, run, can_stop)
