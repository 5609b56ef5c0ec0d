"""The metafor reference values (r/make_reference.R -> r/reference.json) and how tests compare.

Tolerances: relative 1e-10 for closed forms, 1e-6 for iterative estimators, with an absolute
1e-9 floor for values that are zero on the boundary (tau2 = 0).
"""

import json
from pathlib import Path

import numpy as np

REF = json.loads((Path(__file__).parent / "r" / "reference.json").read_text())
CLOSED_FORM = {"FE", "DL"}
RTOL_CLOSED, RTOL_ITER, ATOL = 1e-10, 1e-6, 1e-9


def arr(x):
    """R's NULL/NA arrive as None in the JSON: compare them as NaN."""
    return np.atleast_1d(np.array([np.nan if v is None else v for v in np.atleast_1d(x)], float))


def close(actual, expected, rtol, what=""):
    np.testing.assert_allclose(arr(actual), arr(expected), rtol=rtol, atol=ATOL, err_msg=what)
