"""Wan et al.'s (2014) small-sample tables of the expected range and interquartile range.

``XI[n - 1]`` is xi(n) = E(range) / sigma of n draws from a normal distribution, n = 1..50
(Wan et al. 2014, Table 1); ``ETA[Q - 1]`` is eta(n) = E(interquartile range) / sigma for
n = 4Q + 1, Q = 1..50 (Table 2), so n up to 201. Beyond the tables the paper's closed forms
``2 Phi^-1((n - 0.375) / (n + 0.25))`` and ``2 Phi^-1((0.75 n - 0.125) / (n + 0.25))`` are
accurate to 0.5%.

The values are the published three-decimal ones, as R's meta (Schwarzer, ``settings.meta``
options ``Wan2014.Table1`` and ``Wan2014.Table2``) stores them. For an n between the rows
of Table 2 meta reads the row ``Q = ceiling((n - 1) / 4)``; so does :func:`eta_table`.

References
----------
Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation
from the sample size, median, range and/or interquartile range. BMC Medical Research
Methodology 14:135, Tables 1 and 2.
"""

from __future__ import annotations

import numpy as np

XI_MAX_N = 50
ETA_MAX_N = 201

# Table 1, n = 1..50.
XI = (
    0.000, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
    3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,
    3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,
    4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
    4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498,
)  # fmt: skip

# Table 2, n = 4Q + 1 for Q = 1..50.
ETA = (
    0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,
    1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,
    1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,
    1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,
    1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340,
)  # fmt: skip


def xi_table(n: np.ndarray) -> np.ndarray:
    """Table 1's xi(n) for each n <= 50 (n a whole number >= 1); NaN elsewhere."""
    n = np.asarray(n, dtype=float)
    out = np.full(n.shape, np.nan)
    inside = (n >= 1) & (n <= XI_MAX_N) & (n == np.round(n))
    out[inside] = np.take(XI, n[inside].astype(int) - 1)
    return out


def eta_table(n: np.ndarray) -> np.ndarray:
    """Table 2's eta for each 2 <= n <= 201, row ceiling((n - 1) / 4) as meta reads it."""
    n = np.asarray(n, dtype=float)
    out = np.full(n.shape, np.nan)
    inside = (n >= 2) & (n <= ETA_MAX_N)
    out[inside] = np.take(ETA, np.ceil((n[inside] - 1) / 4).astype(int) - 1)
    return out
