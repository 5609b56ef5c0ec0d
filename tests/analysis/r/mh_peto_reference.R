# Reference values for analysis/meta/mantel_haenszel.py and analysis/meta/peto.py:
# metafor's rma.mh (measures OR, RR, RD) and rma.peto, with their defaults
# (add = 1/2, to = "only0", drop00 = TRUE, correct = TRUE): the pooled estimates come from
# the raw tables; the continuity correction and the dropping of double-zero studies
# apply only to the per-study yi/vi behind Q.
# Run from the repository root (metafor 3.8-1, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/mh_peto_reference.R
suppressMessages({
  library(metafor)
  library(jsonlite)
})

bcg <- dat.bcg
niel <- dat.nielweise2007
sets <- list(
  list(name = "bcg", ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg),
  # zero cells in one arm and one double-zero study (Yucel 2004); given as ai/n1i/ci/n2i
  list(name = "nielweise2007", ai = niel$ai, n1i = niel$n1i, ci = niel$ci, n2i = niel$n2i),
  # hand-made: a double-zero study (3), a single zero (1), an all-events arm (4)
  list(name = "handmade", ai = c(0, 3, 0, 12, 7), bi = c(20, 17, 15, 0, 33),
       ci = c(4, 6, 0, 10, 12), di = c(16, 14, 15, 2, 28)),
  # two studies, one a double-zero: Q has no degrees of freedom
  list(name = "handmade_k1yi", ai = c(2, 0), bi = c(18, 10), ci = c(5, 0), di = c(15, 12))
)

num <- function(x) if (is.null(x) || is.na(x)) NA else unname(as.numeric(x))

tables <- function(s) {
  if (is.null(s$bi)) list(ai = s$ai, n1i = s$n1i, ci = s$ci, n2i = s$n2i)
  else list(ai = s$ai, bi = s$bi, ci = s$ci, di = s$di)
}

fields <- function(res) {
  list(estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb),
       ci_ub = num(res$ci.ub), zval = num(res$zval), pval = num(res$pval),
       Q = num(res$QE), Q_df = num(res$k.yi - 1), Q_p = num(res$QEp),
       I2 = num(res$I2), H2 = num(res$H2), k = num(res$k), k_yi = num(res$k.yi))
}

fits <- list()
for (s in sets) {
  for (measure in c("OR", "RR", "RD")) {
    for (level in c(95, 90)) {
      res <- do.call(rma.mh, c(tables(s), list(measure = measure, level = level)))
      out <- fields(res)
      if (measure == "OR") {
        out$CMH <- num(res$MH); out$CMH_p <- num(res$MHp)
        out$TA <- num(res$TA); out$TA_p <- num(res$TAp)
        out$CO <- num(res$CO); out$CO_p <- num(res$COp)
        out$BD <- num(res$BD); out$BD_p <- num(res$BDp)
      }
      tr <- predict(res, transf = if (measure == "RD") NULL else exp)
      out$transformed <- list(estimate = num(tr$pred), ci_lb = num(tr$ci.lb),
                              ci_ub = num(tr$ci.ub))
      fits[[length(fits) + 1]] <- list(name = s$name, method = "MH", measure = measure,
                                       level = level, data = tables(s), result = out)
    }
  }
  # without the continuity correction for the CMH test
  res <- do.call(rma.mh, c(tables(s), list(measure = "OR", correct = FALSE)))
  out <- fields(res)
  out$CMH <- num(res$MH); out$CMH_p <- num(res$MHp)
  out$TA <- num(res$TA); out$TA_p <- num(res$TAp)
  fits[[length(fits) + 1]] <- list(name = s$name, method = "MH", measure = "OR",
                                   level = 95, correct = FALSE, data = tables(s),
                                   result = out)
  # another correction for the yi/vi behind Q
  res <- do.call(rma.mh, c(tables(s), list(measure = "OR", add = 1, to = "all")))
  fits[[length(fits) + 1]] <- list(name = s$name, method = "MH", measure = "OR",
                                   level = 95, add = 1, to = "all", data = tables(s),
                                   result = fields(res))
  for (level in c(95, 90)) {
    res <- do.call(rma.peto, c(tables(s), list(level = level)))
    out <- fields(res)
    tr <- predict(res, transf = exp)
    out$transformed <- list(estimate = num(tr$pred), ci_lb = num(tr$ci.lb),
                            ci_ub = num(tr$ci.ub))
    fits[[length(fits) + 1]] <- list(name = s$name, method = "PETO", measure = "PETO",
                                     level = level, data = tables(s), result = out)
  }
}

writeLines(
  toJSON(list(metafor = as.character(packageVersion("metafor")), fits = fits),
         auto_unbox = TRUE, digits = NA, na = "null", pretty = TRUE),
  "tests/analysis/r/mh_peto_reference.json"
)
