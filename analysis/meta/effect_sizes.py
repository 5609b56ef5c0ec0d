"""Effect sizes and their sampling variances, with metafor's ``escalc`` conventions.

Argument names, default continuity correction (``add=0.5``, ``to="only0"``; no correction
for the variance-stabilising PAS and PFT) and default variance types follow
``metafor::escalc`` so results can be checked number for number against R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .errors import (
    MSG_EMPTY,
    as_study_array,
    check_at_least_one,
    check_correlation,
    check_events,
    check_non_negative,
    check_positive,
)

PROPORTIONS = ("PR", "PLN", "PLO", "PAS", "PFT")
TWO_BY_TWO = ("RR", "OR", "RD", "PETO")
TWO_GROUP_MEANS = ("MD", "SMD", "ROM")
SINGLE_MEAN = ("MN",)
MEAN_CHANGE = ("MC", "SMCC", "SMCR")
MEASURES = PROPORTIONS + TWO_BY_TWO + TWO_GROUP_MEANS + SINGLE_MEAN + MEAN_CHANGE
CORRECTIONS = ("only0", "all", "if0all", "none")

# metafor leaves these uncorrected unless ``add`` is given explicitly, because the
# transformation already copes with zero counts.
_NO_DEFAULT_CORRECTION = ("PAS", "PFT")


@dataclass(frozen=True, eq=False)
class EffectSizes:
    """Per-study effect sizes.

    Attributes
    ----------
    yi, vi : ndarray
        Observed effect sizes and their sampling variances, one entry per study.
    measure : str
        The metafor measure code (``"RR"``, ``"SMD"``, ...).
    slab : tuple of str or None
        Optional study labels.
    ni : ndarray
        Total sample size of each study before any continuity correction (metafor's
        ``ni`` attribute); used by ``regtest(predictor="ninv")`` and the PFT
        back-transformation.
    """

    yi: np.ndarray
    vi: np.ndarray
    measure: str
    slab: tuple[str, ...] | None = None
    ni: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.yi.shape[0])


def _cmi(m: np.ndarray) -> np.ndarray:
    """Exact small-sample bias correction of Hedges' g, c(m) = G(m/2)/(sqrt(m/2) G((m-1)/2)).

    References
    ----------
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. Journal of Educational Statistics, 6(2), 107-128.
    """
    with np.errstate(invalid="ignore"):
        out = np.exp(gammaln(m / 2) - np.log(np.sqrt(m / 2)) - gammaln((m - 1) / 2))
    return np.where(m <= 1, np.nan, out)


def _correct(cells: list[np.ndarray], add: float, to: str) -> list[np.ndarray]:
    if to == "none" or add == 0:
        return cells
    if to == "all":
        return [c + add for c in cells]
    has_zero = np.zeros(cells[0].shape, dtype=bool)
    for c in cells:
        has_zero |= c == 0
    if to == "if0all":
        return [c + add for c in cells] if has_zero.any() else cells
    return [c + add * has_zero for c in cells]


def _slab(slab, k: int) -> tuple[str, ...] | None:
    if slab is None:
        return None
    labels = tuple(str(s) for s in slab)
    if len(labels) != k:
        raise ValueError(f"field 'slab' has {len(labels)} values but {k} studies were given")
    return labels


def _columns(names: tuple[str, ...], columns: dict, measure: str) -> dict[str, np.ndarray]:
    missing = [n for n in names if columns.get(n) is None]
    if missing:
        raise ValueError(f"measure {measure} needs field(s) {', '.join(repr(m) for m in missing)}")
    k = None
    out = {}
    for name in names:
        arr = as_study_array(name, columns[name], k)
        k = arr.shape[0]
        out[name] = arr
    if k == 0:
        raise ValueError(MSG_EMPTY)
    return out


def _proportions(measure: str, c: dict, add: float, to: str):
    xi, ni = c["xi"], c["ni"]
    check_non_negative("xi", xi)
    check_at_least_one("ni", ni)
    check_events("xi", xi, ni)
    x, m = _correct([xi, ni - xi], add, to)
    n = x + m
    p = x / n
    if measure == "PR":
        return p, p * (1 - p) / n
    if measure == "PLN":
        with np.errstate(divide="ignore"):
            return np.log(p), 1 / x - 1 / n
    if measure == "PLO":
        with np.errstate(divide="ignore"):
            return np.log(p / (1 - p)), 1 / x + 1 / m
    if measure == "PAS":
        return np.arcsin(np.sqrt(p)), 1 / (4 * n)
    yi = 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))
    return yi, 1 / (4 * n + 2)


def _two_by_two(measure: str, c: dict, add: float, to: str):
    ai, ci = c["ai"], c["ci"]
    check_non_negative("ai", ai)
    check_non_negative("ci", ci)
    if "bi" in c:
        bi, di = c["bi"], c["di"]
        check_non_negative("bi", bi)
        check_non_negative("di", di)
        n1_raw, n2_raw = ai + bi, ci + di
        check_at_least_one("ai+bi", n1_raw)
        check_at_least_one("ci+di", n2_raw)
    else:
        n1_raw, n2_raw = c["n1i"], c["n2i"]
        check_at_least_one("n1i", n1_raw)
        check_at_least_one("n2i", n2_raw)
        check_events("ai", ai, n1_raw)
        check_events("ci", ci, n2_raw)
        bi, di = n1_raw - ai, n2_raw - ci
    a, b, cc, d = _correct([ai, bi, ci, di], add, to)
    n1, n2 = a + b, cc + d
    p1, p2 = a / n1, cc / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        if measure == "RR":
            return np.log(p1) - np.log(p2), 1 / a - 1 / n1 + 1 / cc - 1 / n2
        if measure == "OR":
            return (
                np.log(p1 / (1 - p1)) - np.log(p2 / (1 - p2)),
                1 / a + 1 / b + 1 / cc + 1 / d,
            )
        if measure == "RD":
            return p1 - p2, p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
        n = n1 + n2
        events, nonevents = a + cc, b + d
        expected = events * n1 / n
        v = events * nonevents * (n1 / n) * (n2 / n) / (n - 1)
        return (a - expected) / v, 1 / v


def _group_means(measure: str, c: dict):
    m1, sd1, n1, m2, sd2, n2 = (c[f] for f in ("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"))
    for name in ("sd1i", "sd2i"):
        check_non_negative(name, c[name])
    for name in ("n1i", "n2i"):
        check_at_least_one(name, c[name])
    if measure == "MD":
        return m1 - m2, sd1**2 / n1 + sd2**2 / n2
    if measure == "ROM":
        check_positive("m1i", m1)
        check_positive("m2i", m2)
        return np.log(m1 / m2), sd1**2 / (n1 * m1**2) + sd2**2 / (n2 * m2**2)
    df = n1 + n2 - 2
    sdp = np.sqrt(((n1 - 1) * sd1**2 + (n2 - 1) * sd2**2) / df)
    yi = _cmi(df) * (m1 - m2) / sdp
    return yi, 1 / n1 + 1 / n2 + yi**2 / (2 * (n1 + n2))


def _single_mean(c: dict):
    check_non_negative("sdi", c["sdi"])
    check_at_least_one("ni", c["ni"])
    return c["mi"], c["sdi"] ** 2 / c["ni"]


def _mean_change(measure: str, c: dict):
    m1, m2, sd1, ni, ri = c["m1i"], c["m2i"], c["sd1i"], c["ni"], c["ri"]
    check_non_negative("sd1i", sd1)
    check_at_least_one("ni", ni)
    check_correlation("ri", ri)
    if measure == "SMCR":
        yi = _cmi(ni - 1) * (m1 - m2) / sd1
        return yi, 2 * (1 - ri) / ni + yi**2 / (2 * ni)
    sd2 = c["sd2i"]
    check_non_negative("sd2i", sd2)
    var_diff = sd1**2 + sd2**2 - 2 * ri * sd1 * sd2
    if measure == "MC":
        return m1 - m2, var_diff / ni
    yi = _cmi(ni - 1) * (m1 - m2) / np.sqrt(var_diff)
    return yi, 1 / ni + yi**2 / (2 * ni)


def escalc(measure: str, *, add: float | None = None, to: str = "only0", slab=None, **columns):
    """Compute effect sizes and sampling variances, as ``metafor::escalc``.

    Parameters
    ----------
    measure : str
        Single proportions: ``PR`` (raw), ``PLN`` (log), ``PLO`` (logit), ``PAS``
        (arcsine square root), ``PFT`` (Freeman-Tukey double arcsine); columns ``xi``,
        ``ni``.
        Two-group binary: ``RR`` (log risk ratio), ``OR`` (log odds ratio), ``RD`` (risk
        difference), ``PETO`` (Peto's log odds ratio); columns ``ai, bi, ci, di`` or
        ``ai, n1i, ci, n2i``.
        Two-group continuous: ``MD``, ``SMD`` (Hedges' g), ``ROM`` (log ratio of means);
        columns ``m1i, sd1i, n1i, m2i, sd2i, n2i``.
        Single-group mean ``MN``: ``mi, sdi, ni``.
        Mean change ``MC``, ``SMCC`` (standardised by the change-score SD), ``SMCR``
        (standardised by the pre-test SD; ``sd2i`` not needed): ``m1i, m2i, sd1i, sd2i,
        ni, ri``.
    add : float, optional
        Continuity correction added to cell counts; 0.5 by default, 0 for PAS and PFT.
    to : {"only0", "all", "if0all", "none"}
        Which studies get the correction: those with a zero cell, all, all if any study
        has a zero cell, or none.
    slab : sequence of str, optional
        Study labels.

    Returns
    -------
    EffectSizes

    Notes
    -----
    Variances are metafor's defaults (``vtype="LS"``): large-sample variances, with the
    heteroscedastic variance for MD and ``1/n1 + 1/n2 + g^2 / (2 (n1 + n2))`` for SMD.

    References
    ----------
    Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
    Journal of Statistical Software, 36(3), 1-48.
    Hedges, L. V. (1981). Distribution theory for Glass's estimator of effect size and
    related estimators. Journal of Educational Statistics, 6(2), 107-128.
    Freeman, M. F., & Tukey, J. W. (1950). Transformations related to the angular and
    the square root. Annals of Mathematical Statistics, 21(4), 607-611.
    Yusuf, S., Peto, R., Lewis, J., Collins, R., & Sleight, P. (1985). Beta blockade
    during and after myocardial infarction. Progress in Cardiovascular Diseases, 27(5),
    335-371.
    Hedges, L. V., Gurevitch, J., & Curtis, P. S. (1999). The meta-analysis of response
    ratios in experimental ecology. Ecology, 80(4), 1150-1156.
    Becker, B. J. (1988). Synthesizing standardized mean-change measures. British
    Journal of Mathematical and Statistical Psychology, 41(2), 257-278.
    """
    measure = measure.upper()
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}")
    if to not in CORRECTIONS:
        raise ValueError(f"unknown 'to' {to!r}; expected one of {', '.join(CORRECTIONS)}")
    if add is None:
        add = 0.0 if measure in _NO_DEFAULT_CORRECTION else 0.5
    if add < 0 or not np.isfinite(add):
        raise ValueError("'add' must be a non-negative number")

    if measure in PROPORTIONS:
        c = _columns(("xi", "ni"), columns, measure)
        yi, vi = _proportions(measure, c, add, to)
        ni = c["ni"]
    elif measure in TWO_BY_TWO:
        if columns.get("bi") is not None or columns.get("di") is not None:
            c = _columns(("ai", "bi", "ci", "di"), columns, measure)
        else:
            c = _columns(("ai", "n1i", "ci", "n2i"), columns, measure)
        yi, vi = _two_by_two(measure, c, add, to)
        ni = (c["ai"] + c["bi"] + c["ci"] + c["di"]) if "bi" in c else c["n1i"] + c["n2i"]
    elif measure in TWO_GROUP_MEANS:
        c = _columns(("m1i", "sd1i", "n1i", "m2i", "sd2i", "n2i"), columns, measure)
        yi, vi = _group_means(measure, c)
        ni = c["n1i"] + c["n2i"]
    elif measure in SINGLE_MEAN:
        c = _columns(("mi", "sdi", "ni"), columns, measure)
        yi, vi = _single_mean(c)
        ni = c["ni"]
    else:
        names = ("m1i", "m2i", "sd1i", "ni", "ri")
        if measure != "SMCR":
            names = names + ("sd2i",)
        c = _columns(names, columns, measure)
        yi, vi = _mean_change(measure, c)
        ni = c["ni"]

    unexpected = sorted(n for n, v in columns.items() if v is not None and n not in c)
    if unexpected:
        raise ValueError(f"measure {measure} does not use field(s) {', '.join(unexpected)}")
    yi = np.asarray(yi, dtype=float)
    vi = np.asarray(vi, dtype=float)
    return EffectSizes(
        yi=yi, vi=vi, measure=measure, slab=_slab(slab, yi.shape[0]), ni=np.asarray(ni, float)
    )
