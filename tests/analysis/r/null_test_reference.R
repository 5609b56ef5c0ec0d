# Reference values for analysis/meta/null_test.py and meta/transforms.to_measure_scale: a pooled
# single proportion tested against a null proportion p0 rather than against a transformed 0.
# metafor tests against 0 on the analysis scale; moving every yi by g(p0) moves the pooled
# estimate by the same amount and leaves the weights and tau^2 alone, so rma on yi - g(p0)
# gives the test against p0 (z or, with test = "knha", t). g is qlogis for PLO, asin(sqrt())
# for PAS, and for PFT metafor's transf.pft(p0, n) at the harmonic mean n of ni (the n at which
# transf.ipft.hm back-transforms). Leave-one-out fits are tested the same way.
# Run from the repository root (metafor 3.8-1, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/null_test_reference.R
suppressMessages({
  library(metafor)
  library(jsonlite)
})

xi <- dat.bcg$tpos
ni <- dat.bcg$tpos + dat.bcg$tneg
p0 <- 0.02

g <- function(measure, p, n) {
  switch(measure,
         PLO = qlogis(p),
         PAS = asin(sqrt(p)),
         PFT = transf.pft(p, 1 / mean(1 / n)))
}

out <- list(xi = xi, ni = ni, null = p0, fits = list())
for (measure in c("PLO", "PAS", "PFT")) {
  for (test in c("z", "knha")) {
    es <- escalc(measure, xi = xi, ni = ni)
    theta0 <- g(measure, p0, ni)
    shifted <- rma(yi - theta0, vi, data = es, method = "REML", test = test)
    # The same test from the unshifted fit: (estimate - g(p0)) / se. The shifted fit agrees
    # with it to REML's convergence tolerance only (its iterations start elsewhere).
    fit <- rma(yi, vi, data = es, method = "REML", test = test)
    z_fit <- (coef(fit)[[1]] - theta0) / fit$se
    p_fit <- if (test == "knha") 2 * pt(-abs(z_fit), df = fit$k - 1) else 2 * pnorm(-abs(z_fit))
    # Leave-one-out: each refit against the null at its own studies' harmonic mean n.
    l1o <- sapply(seq_along(xi), function(i) {
      fit <- rma(yi - g(measure, p0, ni[-i]), vi, data = es[-i, ], method = "REML", test = test)
      fit$pval
    })
    out$fits[[paste(measure, test, sep = "_")]] <- list(
      measure = measure, test = test, null_analysis_scale = theta0,
      zval = shifted$zval, pval = shifted$pval, zval_fit = z_fit, pval_fit = p_fit,
      leave1out_pval = l1o
    )
  }
}

write_json(out, "tests/analysis/r/null_test_reference.json", auto_unbox = TRUE, digits = 15, pretty = TRUE)
