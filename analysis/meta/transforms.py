"""Back-transformation of pooled estimates to the natural scale of the measure."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

LOG_MEASURES = ("RR", "OR", "PETO", "ROM", "PLN")

PFT_CAUTION = (
    "Freeman-Tukey back-transformation uses Miller's (1978) inverse with the harmonic "
    "mean of the study sample sizes; it can be misleading when sample sizes differ a "
    "lot (Schwarzer et al., 2019, Research Synthesis Methods)."
)


def transform_name(measure: str | None) -> str:
    """Name of the back-transformation for ``measure`` (``"identity"`` if none)."""
    if measure in LOG_MEASURES:
        return "exp"
    return {"PLO": "ilogit", "PAS": "iarcsin", "PFT": "ipft.hm"}.get(measure, "identity")


def _pft(p: float, n: float) -> float:
    x = p * n
    return 0.5 * (np.arcsin(np.sqrt(x / (n + 1))) + np.arcsin(np.sqrt((x + 1) / (n + 1))))


def ipft_hm(values, ni) -> np.ndarray:
    """Inverse Freeman-Tukey double arcsine with the harmonic mean sample size.

    As ``metafor::transf.ipft.hm``: values beyond the transform of 0 or 1 at the
    harmonic mean map to 0 or 1.

    References
    ----------
    Miller, J. J. (1978). The inverse of the Freeman-Tukey double arcsine
    transformation. The American Statistician, 32(4), 138.
    """
    t = np.asarray(values, dtype=float)
    nhm = 1 / np.mean(1 / np.asarray(ni, dtype=float))
    s = np.sin(2 * t)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = 0.5 * (1 - np.sign(np.cos(2 * t)) * np.sqrt(1 - (s + (s - 1 / s) / nhm) ** 2))
    z = np.where(t > _pft(1.0, nhm), 1.0, z)
    z = np.where(t < _pft(0.0, nhm), 0.0, z)
    return z


def iarcsin(values) -> np.ndarray:
    """Inverse arcsine square-root transformation, sin(x)^2, clipped to [0, 1]."""
    t = np.asarray(values, dtype=float)
    return np.where(t < 0, 0.0, np.where(t > np.pi / 2, 1.0, np.sin(t) ** 2))


def back_transform(measure: str | None, values, ni=None) -> np.ndarray:
    """Apply the natural-scale back-transformation of ``measure`` to ``values``."""
    name = transform_name(measure)
    t = np.asarray(values, dtype=float)
    if name == "exp":
        return np.exp(t)
    if name == "ilogit":
        return expit(t)
    if name == "iarcsin":
        return iarcsin(t)
    if name == "ipft.hm":
        if ni is None:
            raise ValueError("the PFT back-transformation needs the study sample sizes (ni)")
        return ipft_hm(t, ni)
    return t


def to_measure_scale(measure: str | None, value: float, ni=None) -> float:
    """A natural-scale proportion ``value`` on the analysis scale of a proportion ``measure``.

    The inverse of ``back_transform`` for PR, PLN, PLO, PAS and PFT; PFT uses the
    Freeman-Tukey double arcsine at the harmonic mean of ``ni``, the sample size at which
    ``ipft_hm`` back-transforms, so a null drawn on the natural scale sits where the pooled
    estimate would have to be to equal it.
    """
    p = float(value)
    if not 0 < p < 1:
        raise ValueError(f"a null proportion must lie strictly between 0 and 1, not {value}")
    if measure == "PR":
        return p
    if measure == "PLN":
        return float(np.log(p))
    if measure == "PLO":
        return float(np.log(p / (1 - p)))
    if measure == "PAS":
        return float(np.arcsin(np.sqrt(p)))
    if measure == "PFT":
        if ni is None:
            raise ValueError("the PFT transformation needs the study sample sizes (ni)")
        nhm = 1 / np.mean(1 / np.asarray(ni, dtype=float))
        return float(_pft(p, nhm))
    raise ValueError(f"{measure} is not a measure of a single proportion")
