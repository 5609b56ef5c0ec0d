"""Estimate a sample mean and standard deviation from a median with range or quartiles.

Studies often report a median with the range (minimum, maximum), the interquartile range
(first and third quartiles) or both. The estimators here recover the mean and SD needed
for mean differences, assuming roughly normal data. Following Wan et al. (2014) the
summaries fall into three scenarios:

- S1: minimum, median, maximum, n
- S2: first quartile, median, third quartile, n
- S3: minimum, first quartile, median, third quartile, maximum, n

Every function is vectorised: arguments are broadcast against each other, element ``i`` is
study ``i``, and bad input raises ``ValueError`` naming the study index and the field.

References
----------
Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the median,
range, and the size of a sample. BMC Medical Research Methodology 5:13.

Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation
from the sample size, median, range and/or interquartile range. BMC Medical Research
Methodology 14:135.

Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the sample
size, median, mid-range, and/or mid-quartile range. Statistical Methods in Medical
Research 27(6):1785-1805.

Shi J, Luo D, Weng H, Zeng X-T, Lin L, Chu H, Tong T (2020). Optimally estimating the
sample standard deviation from the five-number summary. Research Synthesis Methods
11(5):641-654.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from .wan_tables import ETA_MAX_N, XI_MAX_N, eta_table, xi_table

__all__ = [
    "MeanSD",
    "hozo",
    "hozo_mean",
    "hozo_sd",
    "luo_mean",
    "median_to_mean_sd",
    "scenario",
    "shi_sd",
    "wan_mean",
    "wan_sd",
]

# Order in which the reported summaries must lie; used for both validation and messages.
_FIELDS = ("minimum", "q1", "median", "q3", "maximum")
_SCENARIO_FIELDS = {
    "S1": ("minimum", "median", "maximum"),
    "S2": ("q1", "median", "q3"),
    "S3": ("minimum", "q1", "median", "q3", "maximum"),
}


@dataclass(frozen=True)
class MeanSD:
    """Estimated mean and standard deviation, one element per study."""

    mean: np.ndarray
    sd: np.ndarray


def _as_arrays(values: dict, n) -> tuple[dict, np.ndarray, tuple]:
    """Broadcast the given summaries and ``n`` to flat float arrays and validate them."""
    given = {name: v for name, v in values.items() if v is not None}
    arrays = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in given.values()), np.asarray(n, dtype=float)
    )
    shape = arrays[0].shape
    flat = {name: a.ravel() for name, a in zip(given, arrays[:-1], strict=True)}
    n_flat = arrays[-1].ravel()
    for name, a in [*flat.items(), ("n", n_flat)]:
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            raise ValueError(f"study {bad[0]}: {name} is missing or not finite")
    bad = np.flatnonzero((n_flat < 1) | (n_flat != np.round(n_flat)))
    if bad.size:
        raise ValueError(f"study {bad[0]}: n must be a positive integer, got {n_flat[bad[0]]:g}")
    ordered = [name for name in _FIELDS if name in flat]
    for lower, upper in zip(ordered, ordered[1:], strict=False):
        bad = np.flatnonzero(flat[lower] > flat[upper])
        if bad.size:
            i = bad[0]
            raise ValueError(
                f"study {i}: {lower} ({flat[lower][i]:g}) is greater than {upper} "
                f"({flat[upper][i]:g})"
            )
    return flat, n_flat, shape


def _shaped(values: np.ndarray, shape: tuple):
    # A 0-d result comes back as a numpy scalar so scalar input gives scalar output.
    return values.reshape(shape)[()]


def scenario(*, minimum=None, q1=None, median=None, q3=None, maximum=None) -> str:
    """Name the Wan et al. (2014) scenario that the given summaries form.

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        The reported summaries; ``None`` for those not reported.

    Returns
    -------
    str
        ``"S1"`` (range), ``"S2"`` (quartiles) or ``"S3"`` (both).

    Raises
    ------
    ValueError
        If the summaries given match none of the three scenarios.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014). BMC Medical Research Methodology 14:135.
    """
    present = {
        name
        for name, v in zip(_FIELDS, (minimum, q1, median, q3, maximum), strict=True)
        if v is not None
    }
    for name, fields in _SCENARIO_FIELDS.items():
        if present == set(fields):
            return name
    raise ValueError(
        "need median with minimum and maximum (S1), q1 and q3 (S2) or all five (S3); "
        f"got {', '.join(sorted(present)) or 'nothing'}"
    )


def _xi(n: np.ndarray) -> np.ndarray:
    """Expected range of n standard normal draws, Blom's approximation (Wan 2014, eq. 9)."""
    return 2.0 * norm.ppf((n - 0.375) / (n + 0.25))


def _eta(n: np.ndarray) -> np.ndarray:
    """Expected interquartile range of n standard normal draws (Wan 2014, eq. 15)."""
    return 2.0 * norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def _xi_or_table(n: np.ndarray, tables: bool) -> np.ndarray:
    """xi(n), from Wan's Table 1 for n <= 50 when ``tables`` (as R's meta does)."""
    if not tables:
        return _xi(n)
    small = n <= XI_MAX_N
    _require_whole(n, small, "Wan's Table 1")
    return np.where(small, xi_table(np.where(small, n, 1)), _xi(n))


def _eta_or_table(n: np.ndarray, tables: bool) -> np.ndarray:
    """eta(n), from Wan's Table 2 for n <= 201 when ``tables`` (as R's meta does)."""
    if not tables:
        return _eta(n)
    small = n <= ETA_MAX_N
    return np.where(small, eta_table(np.where(small, n, 2)), _eta(n))


def _require_whole(n: np.ndarray, where: np.ndarray, what: str) -> None:
    bad = np.flatnonzero(where & (n != np.round(n)))
    if bad.size:
        raise ValueError(f"study {int(bad[0])}: field 'n' must be a whole number for {what}")


def hozo_mean(minimum, median, maximum, n):
    """Estimate the mean from the median, range and sample size (Hozo et al. 2005).

    ``(a + 2m + b) / 4 + (a - 2m + b) / (4n)`` with ``a`` the minimum, ``m`` the median and
    ``b`` the maximum (Hozo et al. 2005, formula 4).

    Parameters
    ----------
    minimum, median, maximum : array_like
        Reported minimum, median and maximum.
    n : array_like of int
        Sample size.

    Returns
    -------
    ndarray or float
        Estimated mean per study.

    References
    ----------
    Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the
    median, range, and the size of a sample. BMC Medical Research Methodology 5:13.
    """
    v, n, shape = _as_arrays({"minimum": minimum, "median": median, "maximum": maximum}, n)
    a, m, b = v["minimum"], v["median"], v["maximum"]
    return _shaped((a + 2 * m + b) / 4 + (a - 2 * m + b) / (4 * n), shape)


def hozo_sd(minimum, median, maximum, n):
    """Estimate the SD from the median, range and sample size (Hozo et al. 2005).

    The variance is Hozo's formula 16,
    ``[a^2 + m^2 + b^2 + (n - 3)/2 * ((a + m)^2 + (m + b)^2)/4 - n * xbar^2] / (n - 1)``,
    with ``xbar`` from :func:`hozo_mean`. It is exact for ``n = 3``.

    Parameters
    ----------
    minimum, median, maximum : array_like
        Reported minimum, median and maximum.
    n : array_like of int
        Sample size, at least 3.

    Returns
    -------
    ndarray or float
        Estimated standard deviation per study.

    References
    ----------
    Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the
    median, range, and the size of a sample. BMC Medical Research Methodology 5:13.
    """
    v, n, shape = _as_arrays({"minimum": minimum, "median": median, "maximum": maximum}, n)
    _require_n(n, 3, "Hozo's SD formula")
    a, m, b = v["minimum"], v["median"], v["maximum"]
    xbar = (a + 2 * m + b) / 4 + (a - 2 * m + b) / (4 * n)
    ss = a**2 + m**2 + b**2 + (n - 3) / 2 * ((a + m) ** 2 + (m + b) ** 2) / 4 - n * xbar**2
    # Rounding can push a zero-spread variance a hair below zero.
    return _shaped(np.sqrt(np.maximum(ss, 0.0) / (n - 1)), shape)


def _require_n(n: np.ndarray, least: int, what: str) -> None:
    bad = np.flatnonzero(n < least)
    if bad.size:
        raise ValueError(f"study {bad[0]}: n must be at least {least} for {what}")


def hozo(minimum, median, maximum, n) -> MeanSD:
    """Mean and SD by the rules of thumb Hozo et al. (2005) recommend from simulation.

    Mean: formula 4 (:func:`hozo_mean`) for ``n <= 25``, the median itself above. SD:
    formula 16 (:func:`hozo_sd`) for ``n <= 15``, range/4 for ``15 < n <= 70`` and
    range/6 for ``n > 70``.

    Parameters
    ----------
    minimum, median, maximum : array_like
        Reported minimum, median and maximum.
    n : array_like of int
        Sample size, at least 3.

    Returns
    -------
    MeanSD

    References
    ----------
    Hozo SP, Djulbegovic B, Hozo I (2005). Estimating the mean and variance from the
    median, range, and the size of a sample. BMC Medical Research Methodology 5:13.
    """
    v, n, shape = _as_arrays({"minimum": minimum, "median": median, "maximum": maximum}, n)
    _require_n(n, 3, "Hozo's SD formula")
    a, m, b = v["minimum"], v["median"], v["maximum"]
    mean = np.where(n <= 25, hozo_mean(a, m, b, n), m)
    sd = np.select([n <= 15, n <= 70], [hozo_sd(a, m, b, n), (b - a) / 4], (b - a) / 6)
    return MeanSD(mean=_shaped(mean, shape), sd=_shaped(sd, shape))


def wan_mean(*, minimum=None, q1=None, median, q3=None, maximum=None, n=None):
    """Estimate the mean as Wan et al. (2014) do, scenario chosen from the fields given.

    S1 ``(a + 2m + b) / 4``; S2 ``(q1 + m + q3) / 3``; S3
    ``(a + 2 q1 + 2m + 2 q3 + b) / 8`` (Wan et al. 2014, eqs. 10 and 14; S3 from Bland
    2015 as quoted by Wan). ``n`` is only validated; these estimators do not use it.

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        Reported summaries; ``None`` for those not reported.
    n : array_like of int, optional
        Sample size, validated when given.

    Returns
    -------
    ndarray or float
        Estimated mean per study.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation
    from the sample size, median, range and/or interquartile range. BMC Medical Research
    Methodology 14:135.
    """
    s = scenario(minimum=minimum, q1=q1, median=median, q3=q3, maximum=maximum)
    v, _, shape = _as_arrays(
        {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum},
        1 if n is None else n,
    )
    if s == "S1":
        mean = (v["minimum"] + 2 * v["median"] + v["maximum"]) / 4
    elif s == "S2":
        mean = (v["q1"] + v["median"] + v["q3"]) / 3
    else:
        mean = (v["minimum"] + 2 * v["q1"] + 2 * v["median"] + 2 * v["q3"] + v["maximum"]) / 8
    return _shaped(mean, shape)


def wan_sd(*, minimum=None, q1=None, median=None, q3=None, maximum=None, n, tables=False):
    """Estimate the SD as Wan et al. (2014) do, scenario chosen from the fields given.

    S1 ``(b - a) / xi(n)``; S2 ``(q3 - q1) / eta(n)``; S3 the average of the two, with
    ``xi(n) = 2 Phi^-1((n - 0.375) / (n + 0.25))`` and
    ``eta(n) = 2 Phi^-1((0.75 n - 0.125) / (n + 0.25))`` (eqs. 7, 9, 12, 13, 15). The
    closed forms are used for every ``n``, as Shi et al. (2020) do, unless ``tables``: then
    Wan's Table 1 (exact ``xi(n)`` for ``n <= 50``, from which the closed form differs by
    1.4% at ``n = 5`` and by less than 0.5% from ``n = 10`` on) and Table 2 (``eta(n)`` for
    ``n <= 201``) are used, as R's meta does (see ``wan_tables``).

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        Reported summaries; ``None`` for those not reported. The median is optional here.
    n : array_like of int
        Sample size, at least 2 (S1, S3) or 3 (S2).
    tables : bool
        Use Wan's small-sample tables where they apply.

    Returns
    -------
    ndarray or float
        Estimated standard deviation per study.

    References
    ----------
    Wan X, Wang W, Liu J, Tong T (2014). Estimating the sample mean and standard deviation
    from the sample size, median, range and/or interquartile range. BMC Medical Research
    Methodology 14:135.
    """
    s = scenario(
        minimum=minimum,
        q1=q1,
        median=0.0 if median is None else median,
        q3=q3,
        maximum=maximum,
    )
    v, n, shape = _as_arrays(
        {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}, n
    )
    return _shaped(_wan_sd(s, v, n, tables), shape)


def _wan_sd(s: str, v: dict, n: np.ndarray, tables: bool = False) -> np.ndarray:
    # eta(2) is 0: two points carry no information about the quartiles.
    _require_n(n, 2 if s == "S1" else 3, f"the {s} SD estimator")
    xi = _xi_or_table(n, tables) if s != "S2" else None
    eta = _eta_or_table(n, tables) if s != "S1" else None
    if s == "S1":
        return (v["maximum"] - v["minimum"]) / xi
    if s == "S2":
        return (v["q3"] - v["q1"]) / eta
    return (v["maximum"] - v["minimum"]) / (2 * xi) + (v["q3"] - v["q1"]) / (2 * eta)


def luo_mean(*, minimum=None, q1=None, median, q3=None, maximum=None, n):
    """Estimate the mean with the optimally weighted estimators of Luo et al. (2018).

    S1 ``w m + (1 - w)(a + b)/2`` with ``w = 4 / (4 + n^0.75)``; S2
    ``w m + (1 - w)(q1 + q3)/2`` with ``w = 0.7 + 0.39 / n``; S3
    ``w1 (a + b)/2 + w2 (q1 + q3)/2 + (1 - w1 - w2) m`` with ``w1 = 2.2 / (2.2 + n^0.75)``
    and ``w2 = 0.7 - 0.72 / n^0.55`` (Luo et al. 2018, eqs. 7, 11 and 15). In S2 the
    weight ``0.7 + 0.39/n`` multiplies the mid-quartile range, as in the paper.

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        Reported summaries; ``None`` for those not reported.
    n : array_like of int
        Sample size.

    Returns
    -------
    ndarray or float
        Estimated mean per study.

    References
    ----------
    Luo D, Wan X, Liu J, Tong T (2018). Optimally estimating the sample mean from the
    sample size, median, mid-range, and/or mid-quartile range. Statistical Methods in
    Medical Research 27(6):1785-1805.
    """
    s = scenario(minimum=minimum, q1=q1, median=median, q3=q3, maximum=maximum)
    v, n, shape = _as_arrays(
        {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}, n
    )
    return _shaped(_luo_mean(s, v, n), shape)


def _luo_mean(s: str, v: dict, n: np.ndarray) -> np.ndarray:
    m = v["median"]
    if s == "S1":
        w = 4 / (4 + n**0.75)
        return w * (v["minimum"] + v["maximum"]) / 2 + (1 - w) * m
    if s == "S2":
        w = 0.7 + 0.39 / n
        return w * (v["q1"] + v["q3"]) / 2 + (1 - w) * m
    w1 = 2.2 / (2.2 + n**0.75)
    w2 = 0.7 - 0.72 / n**0.55
    return w1 * (v["minimum"] + v["maximum"]) / 2 + w2 * (v["q1"] + v["q3"]) / 2 + (1 - w1 - w2) * m


def shi_sd(*, minimum=None, q1=None, median=None, q3=None, maximum=None, n, tables=False):
    """Estimate the SD with the optimally weighted estimator of Shi et al. (2020).

    S3 ``w (b - a) / xi(n) + (1 - w)(q3 - q1) / eta(n)`` with
    ``w = 1 / (1 + 0.07 n^0.6)`` (Shi et al. 2020, eq. 11). For S1 and S2 the optimal
    estimators are those of Wan et al. (2014), which this function then returns (with
    Wan's small-sample tables if ``tables``, as R's meta; S3 always uses the closed forms,
    as Shi et al. and meta do).

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        Reported summaries; ``None`` for those not reported. The median is optional here.
    n : array_like of int
        Sample size, at least 2 (S1) or 3 (S2, S3).

    Returns
    -------
    ndarray or float
        Estimated standard deviation per study.

    References
    ----------
    Shi J, Luo D, Weng H, Zeng X-T, Lin L, Chu H, Tong T (2020). Optimally estimating the
    sample standard deviation from the five-number summary. Research Synthesis Methods
    11(5):641-654.

    Wan X, Wang W, Liu J, Tong T (2014). BMC Medical Research Methodology 14:135.
    """
    s = scenario(
        minimum=minimum,
        q1=q1,
        median=0.0 if median is None else median,
        q3=q3,
        maximum=maximum,
    )
    v, n, shape = _as_arrays(
        {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}, n
    )
    return _shaped(_shi_sd(s, v, n, tables), shape)


def _shi_sd(s: str, v: dict, n: np.ndarray, tables: bool = False) -> np.ndarray:
    if s != "S3":
        return _wan_sd(s, v, n, tables)
    _require_n(n, 3, "the S3 SD estimator")
    w = 1 / (1 + 0.07 * n**0.6)
    return w * (v["maximum"] - v["minimum"]) / _xi(n) + (1 - w) * (v["q3"] - v["q1"]) / _eta(n)


_METHODS = ("luo-shi", "wan", "hozo")


def median_to_mean_sd(
    *,
    minimum=None,
    q1=None,
    median,
    q3=None,
    maximum=None,
    n,
    method: str = "luo-shi",
    tables: bool = False,
) -> MeanSD:
    """Estimate mean and SD from a median with range and/or quartiles.

    Parameters
    ----------
    minimum, q1, median, q3, maximum : array_like or None
        Reported summaries; ``None`` for those not reported (see :func:`scenario`).
    n : array_like of int
        Sample size.
    method : {"luo-shi", "wan", "hozo"}
        ``"luo-shi"`` (default, recommended by Shi et al. 2020): :func:`luo_mean` and
        :func:`shi_sd`. ``"wan"``: :func:`wan_mean` and :func:`wan_sd`. ``"hozo"``: the
        rules of thumb of :func:`hozo`, S1 only.
    tables : bool
        For ``"luo-shi"`` and ``"wan"``: the SD from Wan's small-sample tables for n <= 50
        with a range and n <= 201 with an interquartile range, as R's meta does
        (``wan_tables``); with ``"luo-shi"`` this is exactly meta's default conversion.

    Returns
    -------
    MeanSD

    References
    ----------
    Hozo SP, Djulbegovic B, Hozo I (2005). BMC Medical Research Methodology 5:13.
    Wan X, Wang W, Liu J, Tong T (2014). BMC Medical Research Methodology 14:135.
    Luo D, Wan X, Liu J, Tong T (2018). Statistical Methods in Medical Research
    27(6):1785-1805.
    Shi J, Luo D, Weng H, et al. (2020). Research Synthesis Methods 11(5):641-654.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}; got {method!r}")
    fields = {"minimum": minimum, "q1": q1, "median": median, "q3": q3, "maximum": maximum}
    s = scenario(**fields)
    if method == "hozo":
        if s != "S1":
            raise ValueError("the Hozo method needs minimum, median and maximum only (S1)")
        return hozo(minimum, median, maximum, n)
    v, n_flat, shape = _as_arrays(fields, n)
    if method == "wan":
        mean = wan_mean(**fields, n=n)
        sd = _wan_sd(s, v, n_flat, tables)
    else:
        mean = _luo_mean(s, v, n_flat)
        sd = _shi_sd(s, v, n_flat, tables)
    return MeanSD(mean=_shaped(np.asarray(mean), shape), sd=_shaped(sd, shape))
