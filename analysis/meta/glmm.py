"""Random-intercept logistic model for pooling proportions (metafor's ``rma.glmm``, PLO).

Study ``i`` has ``x_i`` events out of ``n_i`` with ``x_i ~ Binomial(n_i, expit(mu + u_i))``
and ``u_i ~ N(0, tau^2)``. ``mu`` and ``tau^2`` are estimated by maximum likelihood, the
marginal likelihood integrated by adaptive Gauss-Hermite quadrature centred on each study's
conditional mode, as lme4's ``glmer(nAGQ=7)`` does for metafor's default ``rma.glmm``.

Unlike the normal-normal model on logits, the binomial likelihood needs no continuity
correction for studies with 0 or n events. The ``yi``/``vi`` returned (logits with 1/2
added to the cells of such studies) serve only the I^2 definition and plots, as in metafor.

References
----------
Stijnen T, Hamza TH, Ozdemir P (2010). Random effects meta-analysis of event outcome in the
framework of the generalized linear mixed model with applications in sparse data.
Statistics in Medicine 29(29):3046-3067.

Viechtbauer W (2010). Conducting meta-analyses in R with the metafor package. Journal of
Statistical Software 36(3):1-48.

Pinheiro JC, Bates DM (1995). Approximations to the log-likelihood function in the
nonlinear mixed-effects model. Journal of Computational and Graphical Statistics
4(1):12-35.

Higgins JPT, Thompson SG (2002). Quantifying heterogeneity in a meta-analysis. Statistics
in Medicine 21(11):1539-1558.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.polynomial.hermite import hermgauss
from scipy import optimize
from scipy.special import expit, gammaln, logsumexp, xlogy
from scipy.stats import chi2, norm

from .errors import ConvergenceError, check_counts
from .heterogeneity_q import QHeterogeneityFields
from .prediction_interval import check_pi_type, prediction_bounds

__all__ = ["GLMM_METHODS", "GLMMResult", "rma_glmm"]

GLMM_METHODS = ("ML", "FE")

# Below this tau the random effects are numerically absent; the likelihood is the
# binomial one at mu (the limit of the quadrature formula, which would divide by zero).
_TAU_ZERO = 1e-8
# Step of the finite differences; see _derivatives for the choice.
_H_STEP = 1e-3


@dataclass(frozen=True)
class GLMMResult(QHeterogeneityFields):
    """Fit of :func:`rma_glmm`, with metafor's names for what ``rma.glmm`` reports.

    ``Q``, ``Q_df`` and ``Q_p`` repeat the Wald-type heterogeneity test so plotting code
    written for ``rma`` results can show it; ``QE_lrt`` is the likelihood-ratio version.
    ``method`` is ``"ML"`` (random effects) or ``"FE"`` (common effect, tau^2 = 0). With
    moderators, ``beta`` ... ``ci_ub_beta`` hold every coefficient (the scalar fields the
    intercept), ``QM`` tests all but the intercept, and the prediction interval is NaN.
    ``pi_type`` names the prediction interval's convention (``prediction_interval``).
    """

    k: int
    estimate: float
    se: float
    zval: float
    pval: float
    ci_lb: float
    ci_ub: float
    pi_lb: float
    pi_ub: float
    tau2: float
    I2: float
    H2: float
    vt: float
    QE_wald: float
    QE_wald_p: float
    QE_lrt: float
    QE_lrt_p: float
    QE_df: int
    loglik: float
    converged: bool
    iterations: int
    nAGQ: int
    level: float
    yi: np.ndarray = field(repr=False)
    vi: np.ndarray = field(repr=False)
    xi: np.ndarray = field(repr=False)
    ni: np.ndarray = field(repr=False)
    slab: tuple = field(repr=False, default=())
    measure: str = "PLO"
    method: str = "ML"
    model: str = "glmm"
    weights: None = None
    p: int = 1
    beta: np.ndarray | None = field(repr=False, default=None)
    vb: np.ndarray | None = field(repr=False, default=None)
    se_beta: np.ndarray | None = field(repr=False, default=None)
    zval_beta: np.ndarray | None = field(repr=False, default=None)
    pval_beta: np.ndarray | None = field(repr=False, default=None)
    ci_lb_beta: np.ndarray | None = field(repr=False, default=None)
    ci_ub_beta: np.ndarray | None = field(repr=False, default=None)
    QM: float = np.nan
    QM_df: int = 0
    QM_p: float = np.nan
    X: np.ndarray | None = field(repr=False, default=None)
    pi_type: str = "z"

    @property
    def int_only(self) -> bool:
        return self.p == 1

    @property
    def tau(self) -> float:
        return float(np.sqrt(self.tau2))

    @property
    def Q(self) -> float:
        return self.QE_wald

    @property
    def Q_df(self) -> int:
        return self.QE_df

    @property
    def Q_p(self) -> float:
        return self.QE_wald_p


def _conditional_modes(mu: float, tau2: float, x: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Mode of each study's log joint density in u, by safeguarded Newton iteration.

    The log joint is strictly concave with derivative ``x - n expit(mu + u) - u / tau2``,
    positive below ``-n tau2`` and negative above ``n tau2``, so bisection on that bracket
    backs up any Newton step that leaves it.
    """
    lo = -n * tau2 - 1.0
    hi = n * tau2 + 1.0
    u = np.zeros_like(x)
    for _ in range(200):
        p = expit(mu + u)
        grad = x - n * p - u / tau2
        lo = np.where(grad > 0, u, lo)
        hi = np.where(grad < 0, u, hi)
        step = grad / (n * p * (1 - p) + 1 / tau2)
        new = u + step
        outside = (new <= lo) | (new >= hi)
        new = np.where(outside, (lo + hi) / 2, new)
        if np.all(np.abs(new - u) <= 1e-14 * (1 + np.abs(u))):
            return new
        u = new
    raise ConvergenceError("conditional modes of the random effects did not converge")


def _loglik(mu: float, tau: float, x, n, nodes, weights) -> float:
    """Marginal log-likelihood by adaptive Gauss-Hermite quadrature (Pinheiro & Bates 1995).

    The binomial coefficients are left out: they do not depend on the parameters, and
    adding large constants would only add rounding noise to the finite differences.
    """
    tau2 = tau * tau
    if tau2 < _TAU_ZERO**2:
        eta = np.full_like(x, mu)
        return float(np.sum(x * eta - n * np.logaddexp(0, eta)))
    mode = _conditional_modes(mu, tau2, x, n)
    p = expit(mu + mode)
    scale = 1 / np.sqrt(n * p * (1 - p) + 1 / tau2)
    u = mode[:, None] + np.sqrt(2) * scale[:, None] * nodes[None, :]
    eta = mu + u
    log_joint = x[:, None] * eta - n[:, None] * np.logaddexp(0, eta) - u**2 / (2 * tau2)
    integral = logsumexp(log_joint + nodes**2, b=weights, axis=1) + np.log(np.sqrt(2) * scale)
    return float(np.sum(integral - 0.5 * np.log(2 * np.pi * tau2)))


def _central(f, theta: np.ndarray, h: float) -> tuple[np.ndarray, np.ndarray]:
    """Central-difference gradient and Hessian of ``f`` at ``theta`` with step ``h``."""
    f0 = f(theta)
    grad = np.empty(2)
    hess = np.empty((2, 2))
    steps = np.eye(2) * h
    for a in range(2):
        up, down = f(theta + steps[a]), f(theta - steps[a])
        grad[a] = (up - down) / (2 * h)
        hess[a, a] = (up - 2 * f0 + down) / h**2
    cross = (
        f(theta + steps[0] + steps[1])
        - f(theta + steps[0] - steps[1])
        - f(theta - steps[0] + steps[1])
        + f(theta - steps[0] - steps[1])
    ) / (4 * h * h)
    hess[0, 1] = hess[1, 0] = cross
    return grad, hess


def newton_polish(objective, theta: np.ndarray, iterations: int, derivatives) -> tuple[np.ndarray, int]:
    """Newton steps after BFGS: it stops on a loose gradient; two or three Newton steps on the
    finite-difference ``derivatives`` put the optimum where the gradient really vanishes."""
    for _ in range(50):
        grad, hess = derivatives(objective, theta)
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or objective(theta - step) > objective(theta) + 1e-12:
            break
        theta = theta - step
        iterations += 1
        if np.max(np.abs(step)) < 1e-10:
            break
    return theta, iterations


def _derivatives(f, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient and Hessian by Richardson extrapolation of central differences.

    The log-likelihood carries rounding noise of about 1e-13, so small steps amplify it
    (noise / h^2 is 1e-5 at h = 1e-4); combining steps h and 2h cancels the h^2 term
    instead, leaving O(h^4) truncation with a step large enough to keep the noise at
    about 1e-7 of the Hessian.
    """
    g1, h1 = _central(f, theta, _H_STEP)
    g2, h2 = _central(f, theta, 2 * _H_STEP)
    return (4 * g1 - g2) / 3, (4 * h1 - h2) / 3


def _fit(x, n, nAGQ: int, maxiter: int):
    """Maximise the marginal likelihood over (mu, tau); return (theta, -loglik, iters)."""
    nodes, weights = hermgauss(nAGQ)

    # tau enters only as tau^2, so the objective is even in tau: it can be minimised
    # without bounds, and the boundary tau = 0 is an ordinary stationary point.
    def objective(theta):
        return -_loglik(theta[0], abs(theta[1]), x, n, nodes, weights)

    y = np.log((x + 0.5) / (n - x + 0.5))
    v = 1 / (x + 0.5) + 1 / (n - x + 0.5)
    start = np.array([np.average(y, weights=1 / v), max(np.std(y), 0.3)])
    first = optimize.minimize(
        objective,
        start,
        jac=lambda t: _derivatives(objective, t)[0],
        method="BFGS",
        options={"gtol": 1e-7, "maxiter": maxiter},
    )
    theta = first.x
    iterations = int(first.nit)
    theta, iterations = newton_polish(objective, theta, iterations, _derivatives)
    # Below _TAU_ZERO the likelihood is that of tau = 0; report the boundary exactly.
    theta = np.array([theta[0], abs(theta[1]) if abs(theta[1]) >= _TAU_ZERO else 0.0])
    # The likelihood can also peak on the boundary tau = 0 (the fixed-effect model).
    mu_fe = np.log(x.sum() / (n - x).sum()) if 0 < x.sum() < n.sum() else None
    if mu_fe is not None and objective(np.array([mu_fe, 0.0])) < objective(theta) - 1e-10:
        theta = np.array([mu_fe, 0.0])
    return theta, objective, iterations


def _check_convergence(grad, hess, theta) -> None:
    scale = np.sqrt(np.abs(np.diag(hess))) + 1.0
    if not np.all(np.isfinite(grad)) or np.max(np.abs(grad) / scale) > 1e-5:
        raise ConvergenceError(
            f"maximum likelihood did not converge: gradient {grad.tolist()} at "
            f"mu={theta[0]:.6g}, tau={theta[1]:.6g}"
        )
    # On the boundary tau = 0 the curvature in tau may be zero (a flat likelihood in
    # tau^2 at 0); only the curvature in mu must then be positive.
    curvature = hess[:1, :1] if theta[1] == 0 else hess
    if not np.all(np.linalg.eigvalsh(curvature) > 0):
        raise ConvergenceError(
            "the Hessian of the log-likelihood is not negative definite at the optimum"
        )


def _standard_error(hess, theta) -> float:
    # At tau = 0 the cross derivative vanishes by symmetry (the likelihood is even in
    # tau) and the tau curvature may be ~0, so invert the mu block alone.
    if theta[1] == 0:
        return float(1 / np.sqrt(hess[0, 0]))
    return float(np.sqrt(np.linalg.inv(hess)[0, 0]))


def _heterogeneity_tests(x, n, log_choose):
    """Wald and likelihood-ratio tests of the fixed-effect model against the saturated one.

    As metafor does, the saturated model has one logit per study. A study with 0 or n
    events has an infinite logit and variance; in the limit its Wald contribution vanishes
    (metafor reports that limit up to glm's iteration tolerance), so it is left out of the
    Wald statistic while the degrees of freedom stay ``k - 1``.
    """
    p_fe = x.sum() / n.sum()
    ll_fe = np.sum(log_choose + xlogy(x, p_fe) + xlogy(n - x, 1 - p_fe))
    p_sat = x / n
    ll_sat = np.sum(log_choose + xlogy(x, p_sat) + xlogy(n - x, 1 - p_sat))
    lrt = max(-2 * (ll_fe - ll_sat), 0.0)
    inner = (x > 0) & (x < n)
    if inner.sum() >= 2:
        y = np.log(x[inner] / (n[inner] - x[inner]))
        w = n[inner] * p_sat[inner] * (1 - p_sat[inner])
        wald = max(float(np.sum(w * (y - np.sum(w * y) / w.sum()) ** 2)), 0.0)
    else:
        wald = 0.0
    return wald, lrt


def _validate(xi, ni) -> tuple[np.ndarray, np.ndarray]:
    if np.asarray(xi).size == 0 and np.asarray(ni).size == 0:
        raise ValueError("no studies to pool")
    return check_counts(xi, ni)


def rma_glmm(
    xi,
    ni,
    *,
    mods=None,
    method: str = "ML",
    slab=None,
    nAGQ: int = 7,
    level: float = 95,
    maxiter: int = 500,
    pi_type: str | None = None,
) -> GLMMResult:
    """Pool proportions with a logistic model (metafor ``rma.glmm``, PLO).

    Parameters
    ----------
    xi, ni : array_like of int
        Events and sample size per study.
    mods : array_like, optional
        Moderators (k rows, or a vector); an intercept is added, as metafor's ``mods``.
    method : {"ML", "FE"}
        Random intercept per study, tau^2 by maximum likelihood (metafor's default), or
        the common-effect model without random effects (a logistic regression; metafor's
        ``method = "FE"``, R meta's common-effect GLMM).
    slab : sequence of str, optional
        Study labels, kept for plots.
    nAGQ : int
        Quadrature points per study; 7 is metafor's default and 1 gives the Laplace
        approximation.
    level : float
        Confidence level in percent for the confidence and prediction intervals (0.95
        is read as 95%, as ``rma`` does).
    maxiter : int
        Iteration limit for the quasi-Newton search.
    pi_type : {"z", "t", "hts"}, optional
        Convention of the prediction interval (default z, as metafor; ``"hts"`` is t on
        k - 2 df as R meta's GLMM).

    Returns
    -------
    GLMMResult
        ``estimate`` is the pooled log odds (``scipy.special.expit`` gives the
        proportion); ``tau2`` the between-study variance of the logits; ``I2`` and ``H2``
        as metafor computes them for ``rma.glmm``, from ``tau2`` and the typical
        within-study variance of Higgins & Thompson (2002) of the escalc logits
        (1/2 added to the cells of studies with 0 or n events); Wald and likelihood-ratio
        heterogeneity tests against the saturated model with ``k - 1`` df.

    Raises
    ------
    ValueError
        Bad counts, naming the study index.
    ConvergenceError
        The likelihood maximisation did not converge.

    References
    ----------
    Stijnen T, Hamza TH, Ozdemir P (2010). Statistics in Medicine 29(29):3046-3067.
    Viechtbauer W (2010). Journal of Statistical Software 36(3):1-48.
    Pinheiro JC, Bates DM (1995). Journal of Computational and Graphical Statistics
    4(1):12-35.
    Higgins JPT, Thompson SG (2002). Statistics in Medicine 21(11):1539-1558.
    """
    x, n = _validate(xi, ni)
    if slab is not None and len(slab) != x.size:
        raise ValueError(f"slab has {len(slab)} labels but {x.size} studies were given")
    level = level * 100 if level < 1 else level
    if nAGQ < 1:
        raise ValueError(f"nAGQ must be at least 1, got {nAGQ}")
    method = str(method).upper()
    if method not in GLMM_METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {', '.join(GLMM_METHODS)}")
    if pi_type is not None:
        check_pi_type(pi_type)
    labels = (
        tuple(str(s) for s in slab)
        if slab is not None
        else tuple(f"Study {i + 1}" for i in range(x.size))
    )
    if mods is not None or method == "FE":
        return _general(x, n, mods, method, nAGQ, level, maxiter, labels, pi_type or "z")
    k = x.size
    log_choose = gammaln(n + 1) - gammaln(x + 1) - gammaln(n - x + 1)
    theta, objective, iterations = _fit(x, n, nAGQ, maxiter)
    grad, hess = _derivatives(objective, theta)
    _check_convergence(grad, hess, theta)

    mu, tau2 = float(theta[0]), float(theta[1] ** 2)
    se = _standard_error(hess, theta)
    crit = norm.ppf(1 - (1 - level / 100) / 2)
    zval = mu / se
    pi_half = crit * np.sqrt(se**2 + tau2)

    extreme = (x == 0) | (x == n)
    add = np.where(extreme, 0.5, 0.0)
    yi = np.log((x + add) / (n - x + add))
    vi = 1 / (x + add) + 1 / (n - x + add)
    w = 1 / vi
    vt = (k - 1) / (w.sum() - np.sum(w**2) / w.sum()) if k > 1 else np.nan

    if k > 1:
        wald, lrt = _heterogeneity_tests(x, n, log_choose)
        df = k - 1
        wald_p, lrt_p = float(chi2.sf(wald, df)), float(chi2.sf(lrt, df))
    else:
        wald = lrt = wald_p = lrt_p = np.nan
        df = 0
    res = GLMMResult(
        k=k,
        estimate=mu,
        se=se,
        zval=zval,
        pval=float(2 * norm.sf(abs(zval))),
        ci_lb=mu - crit * se,
        ci_ub=mu + crit * se,
        pi_lb=float(mu - pi_half),
        pi_ub=float(mu + pi_half),
        tau2=tau2,
        I2=float(100 * tau2 / (vt + tau2)),
        H2=float(tau2 / vt + 1),
        vt=float(vt),
        QE_wald=wald,
        QE_wald_p=wald_p,
        QE_lrt=lrt,
        QE_lrt_p=lrt_p,
        QE_df=df,
        loglik=float(np.sum(log_choose) - objective(theta)),
        converged=True,
        iterations=iterations,
        nAGQ=nAGQ,
        level=level,
        yi=yi,
        vi=vi,
        xi=x,
        ni=n,
        slab=labels,
    )
    return _with_coefficients(res, pi_type or "z")


def _with_coefficients(res: GLMMResult, pi_type: str) -> GLMMResult:
    """The intercept-only fit with its coefficient arrays and the chosen prediction interval."""
    lb, ub = prediction_bounds(res.estimate, res.se, res.tau2, res.k, res.level, pi_type)
    return replace(
        res,
        beta=np.array([res.estimate]),
        vb=np.array([[res.se**2]]),
        se_beta=np.array([res.se]),
        zval_beta=np.array([res.zval]),
        pval_beta=np.array([res.pval]),
        ci_lb_beta=np.array([res.ci_lb]),
        ci_ub_beta=np.array([res.ci_ub]),
        X=np.ones((res.k, 1)),
        QM=res.zval**2,
        QM_df=1,
        QM_p=res.pval,
        pi_lb=float(lb),
        pi_ub=float(ub),
        pi_type=pi_type,
    )


def _general(x, n, mods, method, nAGQ, level, maxiter, labels, pi_type) -> GLMMResult:
    from .glmm_regression import design, fit_general

    k = x.size
    X = design(mods, k)
    if X.shape[1] + (method != "FE") > k:
        raise ValueError(
            f"{k} studies are too few to estimate {X.shape[1]} coefficient(s) with method {method}"
        )
    f = fit_general(x, n, X, method, nAGQ, level, maxiter)
    est, se = float(f["beta"][0]), float(f["se_beta"][0])
    if f["p"] == 1:
        pi_lb, pi_ub = prediction_bounds(est, se, f["tau2"], k, level, pi_type)
    else:
        pi_lb = pi_ub = np.nan
    return GLMMResult(
        k=k,
        estimate=est,
        se=se,
        zval=float(f["zval_beta"][0]),
        pval=float(f["pval_beta"][0]),
        ci_lb=float(f["ci_lb_beta"][0]),
        ci_ub=float(f["ci_ub_beta"][0]),
        pi_lb=float(pi_lb),
        pi_ub=float(pi_ub),
        tau2=f["tau2"],
        I2=f["I2"],
        H2=f["H2"],
        vt=f["vt"],
        QE_wald=f["QE_wald"],
        QE_wald_p=f["QE_wald_p"],
        QE_lrt=f["QE_lrt"],
        QE_lrt_p=f["QE_lrt_p"],
        QE_df=f["QE_df"],
        loglik=f["loglik"],
        converged=True,
        iterations=f["iterations"],
        nAGQ=nAGQ,
        level=level,
        yi=f["yi"],
        vi=f["vi"],
        xi=x,
        ni=n,
        slab=labels,
        method=method,
        p=f["p"],
        beta=f["beta"],
        vb=f["vb"],
        se_beta=f["se_beta"],
        zval_beta=f["zval_beta"],
        pval_beta=f["pval_beta"],
        ci_lb_beta=f["ci_lb_beta"],
        ci_ub_beta=f["ci_ub_beta"],
        QM=f["QM"],
        QM_df=f["QM_df"],
        QM_p=f["QM_p"],
        X=X,
        pi_type=pi_type,
    )
