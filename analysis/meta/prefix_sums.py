"""Sums over every prefix of a study sequence, each at its own tau^2, for ``cumul``.

A cumulative meta-analysis needs, for prefix i fitted at tau^2 = t_i, sums such as
``sum_{j<=i} y_j / (v_j + t_i)``: k^2/2 terms for k studies. ``PrefixSums`` gets them
from O(k) cumulative sums through a series expansion in t (see its docstring).
"""

from __future__ import annotations

from math import comb

import numpy as np


def _plain_sums(y, v, powers: int) -> np.ndarray:
    """Cumulative sums of ``(1/v)^m y^a``: shape (powers, k, 3).

    With sampling variances near 1e-150 the cubes overflow to inf; the iteration that
    uses them treats a non-finite step as unsettled and finishes that prefix alone.
    """
    w = 1 / v
    out = np.empty((powers, y.size, 3))
    wm = np.ones_like(w)
    with np.errstate(over="ignore", invalid="ignore"):
        for m in range(powers):
            wm = wm * w
            out[m, :, 0] = np.cumsum(wm)
            out[m, :, 1] = np.cumsum(wm * y)
            out[m, :, 2] = np.cumsum(wm * y * y)
    return out


def _running_rss(y, w) -> np.ndarray:
    """Weighted residual sum of squares about the weighted mean of each prefix.

    The update ``Q_i = Q_{i-1} + w_i S_{i-1} / S_i (y_i - mean_{i-1})^2`` adds only
    non-negative terms, so it keeps full precision where the textbook
    ``sum(w y^2) - (sum(w y))^2 / sum(w)`` cancels.
    """
    s = np.cumsum(w)
    mean = np.cumsum(w * y) / s
    inc = np.zeros_like(y)
    inc[1:] = w[1:] * s[:-1] / s[1:] * (y[1:] - mean[:-1]) ** 2
    return np.maximum(np.cumsum(inc), 0.0)


class PrefixSums:
    """The data of every prefix, with the sums the estimators share.

    ``moments`` gives, for prefix i at its own tau^2 t_i, the sums
    ``sum_{j<=i} w^m y_j^a`` with ``w = 1/(v_j + t_i)``. Rather than forming those
    k^2/2 weights, each sum is expanded around a centre c near t_i::

        1/(v_j + t)^m = sum_n binom(m + n - 1, n) (c - t)^n / (v_j + c)^(m + n)

    which converges geometrically once ``|t - c| <= r (v_min + c)``, and the sums over
    j of ``1/(v_j + c)^(m + n) y_j^a`` are cumulative sums, one table per centre. The
    centres lie on a geometric grid in ``v_min + t`` with one centre at ``anchor`` (the
    tau^2 of the full fit, near which most prefixes end up), so a handful of tables
    (each O(k)) serve every prefix and every iteration. Each evaluation takes as many
    terms as its largest ``|t - c| / (v_min + c)`` needs for a truncation error below
    1e-16 relative; at most 30 (r = 1/4).
    """

    RATIO = 0.25
    TERMS = 30

    def __init__(self, y, v, powers: int, anchor: float = 0.0):
        self.y, self.v = y, v
        self.n = np.arange(1, y.size + 1, dtype=float)
        self.plain = _plain_sums(y, v, powers)
        w0 = 1 / v
        self.q_fe = _running_rss(y, w0)
        self.s1_fe = self.plain[0, :, 0]
        self.s2_fe = np.cumsum(w0 * w0)
        self.rss_unweighted = _running_rss(y, np.ones_like(y))
        self.sum_v = np.cumsum(v)
        self.vmin = float(v.min())
        self.anchor = self.vmin + max(float(anchor), 0.0)
        self.step = np.log((1 + self.RATIO) / (1 - self.RATIO))
        self.cols = np.column_stack([np.ones_like(y), y, y * y])
        self.tables: dict[int, tuple[int, float, np.ndarray]] = {}
        self.max_power = powers

    def _centre(self, g: int) -> float:
        """Centre, as v_min + c, of cell g, which spans (1 -/+ r) times it."""
        return self.anchor * np.exp(g * self.step)

    def _cell(self, t: np.ndarray) -> np.ndarray:
        s = (self.vmin + t) / (self.anchor * (1 - self.RATIO))
        return np.floor(np.log(s) / self.step).astype(int)

    def _table(self, g: int, end: int) -> np.ndarray:
        cached = self.tables.get(g)
        if cached is not None and cached[0] >= end:
            return cached[2]
        end = max(end, cached[0] if cached else 0)
        sc = self._centre(g)
        # scaled by s_c = v_min + c so every power lies in (0, 1]
        scaled = sc / (self.v[:end] + (sc - self.vmin))
        n_pow = self.TERMS + self.max_power - 1
        pw = np.cumprod(np.broadcast_to(scaled[:, None], (end, n_pow)), axis=1)
        # laid out (study, power, column) so that gathering the rows of a cell is cheap
        table = np.cumsum(pw[:, :, None] * self.cols[:end, None, :], axis=0)
        self.tables[g] = (end, sc, table)
        return table

    def moments(self, t, rows, powers):
        out = np.empty((rows.size, powers, 3))
        zero = t == 0
        if zero.any():
            out[zero] = self.plain[:powers, rows[zero]].transpose(1, 0, 2)
        todo = np.flatnonzero(~zero)
        if todo.size == 0:
            return out
        cell = self._cell(t[todo])
        for g in np.unique(cell):
            in_cell = todo[cell == g]
            sc = self._centre(int(g))
            table = self._table(int(g), int(rows[in_cell].max()) + 1)
            rho = np.abs(sc - self.vmin - t[in_cell]) / sc
            # prefixes close to the centre need few terms: evaluate them apart
            for band in np.unique(np.searchsorted(_BANDS, rho)):
                sel = in_cell[np.searchsorted(_BANDS, rho) == band]
                self._expand(out, sel, rows[sel], t[sel], sc, table, powers)
        return out

    def _expand(self, out, sel, r, t, sc, table, powers) -> None:
        """The series for the prefixes ``r`` (positions ``sel`` in ``out``) of one cell."""
        ratio = (sc - self.vmin - t) / sc
        terms = _terms_needed(float(np.max(np.abs(ratio))))
        dpow = np.empty((sel.size, terms))
        dpow[:, 0] = 1.0
        if terms > 1:
            dpow[:, 1:] = ratio[:, None]
            np.cumprod(dpow, axis=1, out=dpow)
        part = table[r, : terms + powers - 1]  # (rows, powers, 3)
        for p in range(1, powers + 1):
            coef = _BINOM[p - 1, :terms]  # binom(p + n - 1, n)
            with np.errstate(over="ignore", divide="ignore"):
                # inf for a cell of centre ~1e-150; the caller treats it as unsettled
                weighted = (dpow * (coef / sc**p))[:, None, :]
            out[sel, p - 1] = (weighted @ part[:, p - 1 : p - 1 + terms])[:, 0]


_BANDS = np.array([1e-3, 1e-2, 5e-2])


def _terms_needed(rho: float) -> int:
    """Terms after which the tail of the series (powers up to 3) is below 1e-16."""
    if rho == 0:
        return 1
    for n in range(1, PrefixSums.TERMS):
        if (n + 1) * (n + 2) / 2 * rho**n / (1 - rho) < 1e-16:
            return n
    return PrefixSums.TERMS


_BINOM = np.array(
    [[comb(p + n - 1, n) for n in range(PrefixSums.TERMS)] for p in (1, 2, 3)], dtype=float
)
