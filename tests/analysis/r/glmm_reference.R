# Reference values for analysis/meta/glmm.py: metafor's rma.glmm(measure = "PLO") on
# metadat data sets, fitted by lme4::glmer with adaptive Gauss-Hermite quadrature.
#
# lme4's default convergence settings (bobyqa, rhoend 2e-7, tolPwrss 1e-7) leave the
# estimates about 3e-6 (relative) short of the optimum, so the fits below tighten them;
# the default-control estimates are stored too, to show the size of that difference.
# (tolPwrss below 1e-11 makes the PIRLS step fail on the boundary fit, hine1989.)
# Run from the repository root (metafor 3.8-1, lme4 1.1-31, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/glmm_reference.R
suppressMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

tight <- list(
  optimizer = "bobyqa",
  optCtrl = list(rhobeg = 0.02, rhoend = 1e-12, maxfun = 1e5),
  tolPwrss = 1e-11,
  boundary.tol = 0,
  check.conv.grad = .makeCC("ignore", tol = 1e-3)
)

# The marginal log-likelihood with the binomial coefficients. With nAGQ > 1, lme4's
# logLik() for cbind() responses is relative to the saturated model, so that is added
# back; with nAGQ = 1 (Laplace) it is already the full log-likelihood.
full_loglik <- function(xi, ni, nAGQ) {
  d <- data.frame(xi = xi, mi = ni - xi, study = factor(seq_along(xi)))
  fit <- glmer(cbind(xi, mi) ~ 1 + (1 | study), data = d, family = binomial,
               nAGQ = nAGQ, control = do.call(glmerControl, tight))
  ll.sat <- sum(dbinom(xi, ni, xi / ni, log = TRUE))
  c(logLik(fit)) + if (nAGQ > 1) ll.sat else 0
}

one <- function(name, xi, ni, nAGQ = 7) {
  res <- rma.glmm(measure = "PLO", xi = xi, ni = ni, nAGQ = nAGQ,
                  control = list(glmerCtrl = tight))
  default <- rma.glmm(measure = "PLO", xi = xi, ni = ni, nAGQ = nAGQ)
  pred <- predict(res)
  list(
    name = name, nAGQ = nAGQ, xi = xi, ni = ni, k = res$k,
    estimate = c(res$beta), se = res$se, zval = res$zval, pval = res$pval,
    ci_lb = res$ci.lb, ci_ub = res$ci.ub, pi_lb = pred$pi.lb, pi_ub = pred$pi.ub,
    tau2 = res$tau2, I2 = res$I2, H2 = res$H2, vt = res$vt,
    QE_wald = res$QE.Wld, QE_wald_p = res$QEp.Wld,
    QE_lrt = res$QE.LRT, QE_lrt_p = res$QEp.LRT, QE_df = res$QE.df,
    loglik = full_loglik(xi, ni, nAGQ),
    default_control = list(estimate = c(default$beta), se = default$se,
                           tau2 = default$tau2)
  )
}

nw <- dat.nielweise2007
hine <- dat.hine1989
out <- list(
  one("pritz1997", dat.pritz1997$xi, dat.pritz1997$ni),
  one("pritz1997_laplace", dat.pritz1997$xi, dat.pritz1997$ni, nAGQ = 1),
  one("debruin2009", dat.debruin2009$xi, dat.debruin2009$ni),
  # Treatment arm only: includes a study with 0 events (Bach 1996, 0/116).
  one("nielweise2007_treated", nw$ai, nw$n1i),
  one("nielweise2007_control", nw$ci, nw$n2i),
  one("hine1989_treated", hine$ai, hine$n1i)
)
meta <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
             lme4 = as.character(packageVersion("lme4")),
             metadat = as.character(packageVersion("metadat")))
writeLines(toJSON(list(versions = meta, fits = out), digits = NA, auto_unbox = TRUE,
                  pretty = TRUE),
           "tests/analysis/r/glmm_reference.json")
