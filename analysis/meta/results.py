"""Frozen result objects returned by the statistics engine."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import fitstats
from .heterogeneity_q import QHeterogeneityFields
from .transforms import PFT_CAUTION, back_transform, transform_name


@dataclass(frozen=True)
class Transformed:
    """A pooled estimate with its intervals on the natural scale of the measure."""

    estimate: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    transform: str
    caution: str | None = None


@dataclass(frozen=True, eq=False)
class RmaResult(QHeterogeneityFields):
    """A fitted fixed-effect, random-effects or mixed-effects (meta-regression) model.

    Scalar fields ``estimate``, ``se``, ``zval``, ``pval``, ``ci_lb``, ``ci_ub`` describe
    the first coefficient: the pooled effect of an intercept-only model, the intercept of
    a meta-regression. All coefficients are in ``beta``, ``se_beta`` ... ``ci_ub_beta``.
    ``zval`` is a t statistic with ``ddf`` degrees of freedom when ``test="knha"``.
    ``pi_lb``/``pi_ub`` bound the prediction interval of an intercept-only model (equal to
    the confidence interval for a fixed-effect model, where tau^2 = 0; NaN for a
    meta-regression, whose predictions depend on the moderators). ``QM`` tests all
    coefficients but the intercept (an F statistic on ``QM_df`` and k - p df for
    Knapp-Hartung).
    ``I2`` and ``weights`` are percentages; ``I2`` is metafor's (from tau^2 for a
    random-effects model), ``I2_Q`` Higgins & Thompson's from Q, with its interval.
    ``pi_type`` names the prediction interval's convention (see ``prediction_interval``). ``model`` is the model actually fitted
    (``"FE"`` or the tau^2 estimator), which can differ from ``method`` when
    ``method="auto"``.
    """

    k: int
    p: int
    method: str
    model: str
    test: str
    level: float
    beta: np.ndarray
    vb: np.ndarray
    se_beta: np.ndarray
    zval_beta: np.ndarray
    pval_beta: np.ndarray
    ci_lb_beta: np.ndarray
    ci_ub_beta: np.ndarray
    pi_lb: float
    pi_ub: float
    tau2: float
    se_tau2: float
    I2: float
    H2: float
    Q: float
    Q_df: int
    Q_p: float
    QM: float
    QM_df: int
    QM_p: float
    ddf: float
    s2w: float
    weights: np.ndarray
    converged: bool
    iterations: int
    yi: np.ndarray
    vi: np.ndarray
    X: np.ndarray
    intercept: bool
    measure: str | None = None
    slab: tuple[str, ...] | None = None
    ni: np.ndarray | None = None
    # The estimators' settings (an ``estimators.Control``), reused by every refit.
    control: object | None = None
    pi_type: str | None = None

    @property
    def estimate(self) -> float:
        return float(self.beta[0])

    @property
    def se(self) -> float:
        return float(self.se_beta[0])

    @property
    def zval(self) -> float:
        return float(self.zval_beta[0])

    @property
    def pval(self) -> float:
        return float(self.pval_beta[0])

    @property
    def ci_lb(self) -> float:
        return float(self.ci_lb_beta[0])

    @property
    def ci_ub(self) -> float:
        return float(self.ci_ub_beta[0])

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def int_only(self) -> bool:
        return self.p == 1 and self.intercept

    @property
    def fitted(self) -> np.ndarray:
        """Fitted values ``X beta`` (metafor's ``fitted``)."""
        return fitstats.fitted_values(self)

    @property
    def residuals(self) -> np.ndarray:
        """Raw residuals ``yi - X beta`` (metafor's ``residuals``)."""
        return fitstats.residuals(self)

    @property
    def fit_stats(self) -> dict[str, fitstats.FitStats]:
        """Log-likelihood, deviance, AIC, BIC and AICc under ML and under REML."""
        return fitstats.fit_stats(self)

    @property
    def parms(self) -> int:
        """Number of estimated parameters: coefficients, plus tau^2 if estimated."""
        return fitstats.n_parameters(self)

    @property
    def loglik(self) -> float:
        """Restricted log-likelihood for REML fits, the ML log-likelihood otherwise."""
        return fitstats.reported_fit_stats(self).loglik

    @property
    def deviance(self) -> float:
        return fitstats.reported_fit_stats(self).deviance

    @property
    def aic(self) -> float:
        return fitstats.reported_fit_stats(self).aic

    @property
    def bic(self) -> float:
        return fitstats.reported_fit_stats(self).bic

    @property
    def aicc(self) -> float:
        return fitstats.reported_fit_stats(self).aicc

    def transformed(self) -> Transformed:
        """Estimate, confidence and prediction interval on the natural scale.

        exp for log measures (RR, OR, PETO, ROM, PLN), inverse logit for PLO, sin^2 for
        PAS (metafor ``transf.iarcsin``), and Miller's harmonic-mean inverse for PFT
        (metafor ``transf.ipft.hm``, with a ``caution`` note); identity otherwise.
        """
        values = [self.estimate, self.ci_lb, self.ci_ub, self.pi_lb, self.pi_ub]
        out = back_transform(self.measure, values, ni=self.ni)
        name = transform_name(self.measure)
        return Transformed(
            *(float(x) for x in out),
            transform=name,
            caution=PFT_CAUTION if name == "ipft.hm" else None,
        )
