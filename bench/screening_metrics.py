"""Work saved by a screening order: records to 95% and 100% recall, WSS@95, the stopping point.

WSS@95 (work saved over sampling, Cohen et al. 2006, JAMIA 13:206) is the share of the records
left unscreened once 95% of the includes are found, less the 5% a random order would also skip:
``(N - n95) / N - 0.05``, where ``n95`` counts every record screened up to and including the one
that brings recall to 95% (the prior records too).
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def records_to_recall(screened_labels: Sequence[int], includes: int, recall: float) -> int:
    wanted = math.ceil(recall * includes - 1e-9)
    found = 0
    for count, label in enumerate(screened_labels, start=1):
        found += label
        if found >= wanted:
            return count
    raise ValueError(f"the order finds {found} of the {wanted} includes needed for recall {recall}")


def order_metrics(screened_labels: Sequence[int], total: int, includes: int, stop_at: int | None = None) -> dict:
    n95 = records_to_recall(screened_labels, includes, 0.95)
    n100 = records_to_recall(screened_labels, includes, 1.0)
    result = {"n95": n95, "n100": n100, "wss95": (total - n95) / total - 0.05}
    if stop_at is not None:
        result["stop_at"] = stop_at
        result["stop_recall"] = sum(screened_labels[:stop_at]) / includes
        result["stop_saved"] = 1 - stop_at / total
    return result
