"""Weighted least squares and the traces of metafor's projection matrix P.

metafor forms ``P = W - W X (X'WX)^-1 X'W`` as a dense k-by-k matrix. Every quantity
the estimators need is a trace or quadratic form in P, and each reduces to sums over
studies plus p-by-p products, so the work here is O(k p^2) and k = 10,000 studies is
cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class RankDeficientError(ValueError):
    """The design matrix does not have full column rank (for these weights)."""


@dataclass(frozen=True, eq=False)
class WLSFit:
    """Weighted least-squares fit of ``y`` on ``X`` with weights ``w``.

    ``A`` is ``(X'WX)^-1``; ``resid`` are ``y - X beta``.
    """

    w: np.ndarray
    X: np.ndarray
    beta: np.ndarray
    A: np.ndarray
    resid: np.ndarray

    @property
    def rss(self) -> float:
        """``y'Py``: the weighted residual sum of squares."""
        return float(np.sum(self.w * self.resid**2))

    @property
    def rss_pp(self) -> float:
        """``y'PPy``, because ``Py = W (y - X beta)``."""
        return float(np.sum((self.w * self.resid) ** 2))

    def _g(self, d: np.ndarray | float) -> np.ndarray:
        # X' diag(w^2 d) X, the middle factor of every trace below.
        return self.X.T @ (self.X * (self.w**2 * d)[:, None])

    def tr_pe(self, e: np.ndarray | float = 1.0) -> float:
        """``tr(P E)`` for a diagonal ``E``: ``sum(w e (1 - h))``, h the leverages.

        Written with the leverages rather than ``X' W^2 X`` so that weights of 1e300 (sampling
        variances of 1e-300) do not overflow.
        """
        we = self.w * e
        if self.X.shape[1] == 1:
            # 1 - h_i = sum over the other studies of w x^2, over the total: summed directly
            # for the largest term, which may hold all but 1e-16 of the total.
            u = self.w * self.X[:, 0] ** 2
            total = u.sum()
            others = total - u
            i = int(u.argmax())
            if u[i] > 0.5 * total:
                others[i] = u[:i].sum() + u[i + 1 :].sum()
            return float(we @ (others / total))
        return float(np.sum(we) - np.sum(we * self.hat()))

    def tr_pepf(self, e: np.ndarray | float = 1.0, f: np.ndarray | float = 1.0) -> float:
        """``tr(P E P F)`` for diagonal ``E`` and ``F``."""
        ge, gf = self._g(e), self._g(f)
        return float(
            np.sum(self.w**2 * e * f)
            - 2 * np.sum(self.A * self._g(self.w * e * f))
            + np.trace(self.A @ ge @ self.A @ gf)
        )

    def hat(self) -> np.ndarray:
        """Diagonal of ``X (X'WX)^-1 X' W``."""
        return self.w * np.einsum("ij,jk,ik->i", self.X, self.A, self.X)


def wls(y: np.ndarray, w: np.ndarray, X: np.ndarray) -> WLSFit:
    """Fit ``y`` on ``X`` by weighted least squares through a QR decomposition.

    The QR route (as metafor's ``.invcalc``) avoids squaring the condition number of
    ``sqrt(W) X``.
    """
    if X.shape[1] == 1:
        # One column (the plain meta-analysis): closed form, no decomposition needed.
        x = X[:, 0]
        wx = w * x
        s = float(wx @ x)
        if not s > 0:
            raise RankDeficientError("the design matrix is rank deficient")
        beta = np.array([float(wx @ y) / s])
        return WLSFit(w=w, X=X, beta=beta, A=np.array([[1 / s]]), resid=y - x * beta[0])
    if X.shape[0] < X.shape[1]:
        raise RankDeficientError("the design matrix is rank deficient")
    sw = np.sqrt(w)
    q, r = np.linalg.qr(X * sw[:, None])
    diag = np.abs(np.diag(r))
    if diag.size == 0 or diag.min() <= 1e-10 * max(diag.max(), 1e-300):
        raise RankDeficientError("the design matrix is rank deficient")
    r_inv = np.linalg.solve(r, np.eye(r.shape[0]))
    A = r_inv @ r_inv.T
    beta = r_inv @ (q.T @ (sw * y))
    return WLSFit(w=w, X=X, beta=beta, A=A, resid=y - X @ beta)
