"""Logistic models for proportions with moderators, and the common-effect (FE) model.

Extends :mod:`glmm` (metafor's ``rma.glmm``, measure PLO) from an intercept-only random
effects model to ``logit(p_i) = x_i' beta + u_i``, ``u_i ~ N(0, tau^2)`` (method ``"ML"``),
and to the model without random effects (method ``"FE"``, an ordinary logistic regression,
metafor's ``rma.glmm(method = "FE")`` and R meta's common-effect GLMM).

The FE model is fitted by Newton's method on the exact binomial log-likelihood, whose
Hessian is analytic, so its estimates and standard errors are closed-form quality. The
random-effects model integrates the random intercept by adaptive Gauss-Hermite quadrature
exactly as :mod:`glmm` does, with finite-difference derivatives in all p + 1 parameters.

References
----------
Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome in the
framework of the generalized linear mixed model with applications in sparse data.
Statistics in Medicine 29(29):3046-3067.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
Statistical Software 36(3):1-48.

Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis. Statistics
in Medicine 21(11):1539-1558.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.hermite import hermgauss
from scipy import optimize
from scipy.special import chdtrc, expit, gammaln, logsumexp, ndtr, ndtri, xlogy

from .errors import ConvergenceError
from .glmm import _H_STEP, _TAU_ZERO, _conditional_modes, newton_polish
from .model import moderator_matrix

_NEWTON_STEPS = 100


def design(mods, k: int) -> np.ndarray:
    """An intercept column followed by the moderators (k rows), as metafor's ``mods``."""
    if mods is None:
        return np.ones((k, 1))
    X = np.column_stack([np.ones(k), moderator_matrix(mods, k)])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("the moderators are collinear (or constant): the model is not identified")
    return X


def logistic_fit(x, n, X) -> tuple[np.ndarray, np.ndarray, float]:
    """Maximum-likelihood logistic regression: (beta, covariance, log-likelihood kernel).

    Newton's method with step halving; the log-likelihood is concave, so it converges from
    any start unless the MLE is infinite (separation), which is refused.
    """
    beta = np.linalg.lstsq(X, np.log((x + 0.5) / (n - x + 0.5)), rcond=None)[0]

    def loglik(b):
        eta = X @ b
        return float(np.sum(x * eta - n * np.logaddexp(0, eta)))

    current = loglik(beta)
    for _ in range(_NEWTON_STEPS):
        p = expit(X @ beta)
        grad = X.T @ (x - n * p)
        info = X.T @ (X * (n * p * (1 - p))[:, None])
        step = np.linalg.solve(info, grad)
        size = 1.0
        while loglik(beta + size * step) < current - 1e-12 * (1 + abs(current)):
            size /= 2
            if size < 1e-10:
                break
        beta = beta + size * step
        new = loglik(beta)
        if np.max(np.abs(size * step)) <= 1e-12 * (1 + np.max(np.abs(beta))):
            current = new
            break
        current = new
    else:
        raise ConvergenceError("the logistic regression did not converge (separated data?)")
    p = expit(X @ beta)
    # Coefficients running off to infinity show as fitted probabilities of exactly 0 or 1
    # (the scale of the moderators does not matter to this check).
    if np.any((p < 1e-12) | (p > 1 - 1e-12)):
        raise ConvergenceError(
            "the logistic regression has no finite estimate: the events separate the data"
        )
    info = X.T @ (X * (n * p * (1 - p))[:, None])
    return beta, np.linalg.inv(info), current


def _loglik(beta, tau, x, n, X, nodes, weights) -> float:
    """Marginal log-likelihood kernel (no binomial coefficients), as ``glmm._loglik`` but
    with a study-specific linear predictor ``X beta``."""
    offset = X @ beta
    tau2 = tau * tau
    if tau2 < _TAU_ZERO**2:
        return float(np.sum(x * offset - n * np.logaddexp(0, offset)))
    mode = _conditional_modes(offset, tau2, x, n)
    p = expit(offset + mode)
    scale = 1 / np.sqrt(n * p * (1 - p) + 1 / tau2)
    u = mode[:, None] + np.sqrt(2) * scale[:, None] * nodes[None, :]
    eta = offset[:, None] + u
    log_joint = x[:, None] * eta - n[:, None] * np.logaddexp(0, eta) - u**2 / (2 * tau2)
    integral = logsumexp(log_joint + nodes**2, b=weights, axis=1) + np.log(np.sqrt(2) * scale)
    return float(np.sum(integral - 0.5 * np.log(2 * np.pi * tau2)))


def _central(f, theta: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    d = theta.size
    f0 = f(theta)
    grad = np.empty(d)
    hess = np.empty((d, d))
    steps = np.eye(d) * h
    for a in range(d):
        up, down = f(theta + steps[a]), f(theta - steps[a])
        grad[a] = (up - down) / (2 * h)
        hess[a, a] = (up - 2 * f0 + down) / h**2
    for a in range(d):
        for b in range(a + 1, d):
            hess[a, b] = hess[b, a] = (
                f(theta + steps[a] + steps[b])
                - f(theta + steps[a] - steps[b])
                - f(theta - steps[a] + steps[b])
                + f(theta - steps[a] - steps[b])
            ) / (4 * h * h)
    return grad, hess


def derivatives(f, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Richardson-extrapolated central differences, for the reason ``glmm._derivatives``
    gives (rounding noise of the quadrature)."""
    g1, h1 = _central(f, theta, _H_STEP)
    g2, h2 = _central(f, theta, 2 * _H_STEP)
    return (4 * g1 - g2) / 3, (4 * h1 - h2) / 3


def gradient(f, theta: np.ndarray) -> np.ndarray:
    """The gradient part of :func:`derivatives` alone (4 d evaluations instead of the
    Hessian's O(d^2)), for the quasi-Newton search."""
    steps = np.eye(theta.size)

    def central(h):
        return np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in steps])

    return (4 * central(_H_STEP) - central(2 * _H_STEP)) / 3


def random_effects_fit(x, n, X, nAGQ: int, maxiter: int):
    """ML fit of the random-intercept logistic model: (theta, objective, iterations),
    theta = (beta..., tau) with tau >= 0."""
    nodes, weights = hermgauss(nAGQ)
    p = X.shape[1]

    def objective(theta):
        return -_loglik(theta[:p], abs(theta[p]), x, n, X, nodes, weights)

    beta_fe = logistic_fit(x, n, X)[0]
    start = np.append(beta_fe, 0.3)
    first = optimize.minimize(
        objective,
        start,
        jac=lambda t: gradient(objective, t),
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": maxiter},
    )
    theta = first.x
    iterations = int(first.nit)
    theta, iterations = newton_polish(objective, theta, iterations, derivatives)
    theta = theta.copy()
    theta[p] = abs(theta[p]) if abs(theta[p]) >= _TAU_ZERO else 0.0
    # The likelihood can peak on the boundary tau = 0, the logistic regression.
    boundary = np.append(beta_fe, 0.0)
    if objective(boundary) < objective(theta) - 1e-10:
        theta = boundary
    return theta, objective, iterations


def check_convergence(grad, hess, theta, p: int) -> None:
    scale = np.sqrt(np.abs(np.diag(hess))) + 1.0
    if not np.all(np.isfinite(grad)) or np.max(np.abs(grad) / scale) > 1e-5:
        raise ConvergenceError(
            f"maximum likelihood did not converge: gradient {grad.tolist()} at {theta.tolist()}"
        )
    curvature = hess[:p, :p] if theta[p] == 0 else hess
    if not np.all(np.linalg.eigvalsh(curvature) > 0):
        raise ConvergenceError(
            "the Hessian of the log-likelihood is not negative definite at the optimum"
        )


def covariance(hess, theta, p: int) -> np.ndarray:
    # On the boundary tau = 0 the tau curvature may vanish; invert the beta block alone.
    if theta[p] == 0:
        return np.linalg.inv(hess[:p, :p])
    return np.linalg.inv(hess)[:p, :p]


def heterogeneity_tests(x, n, X, log_choose) -> tuple[float, float]:
    """Wald and likelihood-ratio tests of the model without random effects against the
    saturated one (k - p df), as metafor's ``QE.Wld`` and ``QE.LRT``.

    The Wald statistic is the weighted residual sum of squares of the saturated logits
    regressed on X with their inverse variances as weights; studies with 0 or n events
    have infinite logits and zero weight in the limit, so they drop out (see
    ``glmm._heterogeneity_tests``).
    """
    beta, _, _ = logistic_fit(x, n, X)
    p_fe = expit(X @ beta)
    ll_fe = np.sum(log_choose + xlogy(x, p_fe) + xlogy(n - x, 1 - p_fe))
    p_sat = x / n
    ll_sat = np.sum(log_choose + xlogy(x, p_sat) + xlogy(n - x, 1 - p_sat))
    lrt = max(-2 * (ll_fe - ll_sat), 0.0)
    inner = (x > 0) & (x < n)
    Xi = X[inner]
    if inner.sum() > Xi.shape[1] and np.linalg.matrix_rank(Xi) == Xi.shape[1]:
        y = np.log(x[inner] / (n[inner] - x[inner]))
        w = n[inner] * p_sat[inner] * (1 - p_sat[inner])
        b = np.linalg.solve(Xi.T @ (Xi * w[:, None]), Xi.T @ (w * y))
        wald = max(float(np.sum(w * (y - Xi @ b) ** 2)), 0.0)
    else:
        wald = 0.0
    return wald, lrt


def typical_variance(vi: np.ndarray, X: np.ndarray) -> float:
    """Higgins & Thompson's typical within-study variance ``(k - p) / tr(P)``, as metafor
    computes ``vt`` for ``rma.glmm`` from the escalc logits."""
    k, p = X.shape
    if k <= p:
        return np.nan
    w = 1 / vi
    XtW = X.T * w
    P_trace = w.sum() - np.trace(np.linalg.solve(XtW @ X, XtW * w @ X))
    return float((k - p) / P_trace)


def wald_table(beta, vb, level: float) -> dict:
    se = np.sqrt(np.diag(vb))
    zval = beta / se
    crit = -ndtri((1 - level / 100) / 2)
    out = {
        "beta": beta,
        "vb": vb,
        "se_beta": se,
        "zval_beta": zval,
        "pval_beta": 2 * ndtr(-np.abs(zval)),
        "ci_lb_beta": beta - crit * se,
        "ci_ub_beta": beta + crit * se,
    }
    # As metafor: the omnibus test leaves out the intercept, unless it is the only
    # coefficient (then QM = z^2 of the intercept).
    btt = slice(1, None) if beta.size > 1 else slice(None)
    b = beta[btt]
    qm = float(b @ np.linalg.solve(vb[btt, btt], b))
    out.update(QM=qm, QM_df=b.size, QM_p=float(chdtrc(b.size, qm)))
    return out


def binomial_log_choose(x, n) -> np.ndarray:
    return gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)


def fit_general(x, n, X, method: str, nAGQ: int, level: float, maxiter: int) -> dict:
    """Fields of a ``GLMMResult`` for a model with moderators or without random effects.

    For ``"FE"`` tau^2 is 0 and the log-likelihood is the binomial one of the logistic
    regression; for ``"ML"`` the random-intercept model by adaptive quadrature.
    """
    k, p = X.shape
    log_choose = binomial_log_choose(x, n)
    if method == "FE":
        beta, vb, kernel = logistic_fit(x, n, X)
        tau2, iterations, loglik = 0.0, 0, float(np.sum(log_choose) + kernel)
    else:
        theta, objective, iterations = random_effects_fit(x, n, X, nAGQ, maxiter)
        grad, hess = derivatives(objective, theta)
        check_convergence(grad, hess, theta, p)
        beta, vb = theta[:p], covariance(hess, theta, p)
        tau2 = float(theta[p] ** 2)
        loglik = float(np.sum(log_choose) - objective(theta))
    extreme = (x == 0) | (x == n)
    add = np.where(extreme, 0.5, 0.0)
    yi = np.log((x + add) / (n - x + add))
    vi = 1 / (x + add) + 1 / (n - x + add)
    vt = typical_variance(vi, X)
    if k > p:
        wald, lrt = heterogeneity_tests(x, n, X, log_choose)
        df = k - p
        wald_p, lrt_p = float(chdtrc(df, wald)), float(chdtrc(df, lrt))
    else:
        wald = lrt = wald_p = lrt_p = np.nan
        df = 0
    table = wald_table(beta, vb, level)
    return {
        "p": p,
        "X": X,
        "tau2": tau2,
        "vt": vt,
        "I2": float(100 * tau2 / (vt + tau2)) if k > p else np.nan,
        "H2": float(tau2 / vt + 1) if k > p else np.nan,
        "QE_wald": wald,
        "QE_wald_p": wald_p,
        "QE_lrt": lrt,
        "QE_lrt_p": lrt_p,
        "QE_df": df,
        "loglik": loglik,
        "iterations": iterations,
        "yi": yi,
        "vi": vi,
        **table,
    }
