# Reference values for analysis/meta/confint.py, cumul.py, predict.py and fitstats.py:
# metafor's confint.rma.uni (Q-profile), cumul.rma.uni, predict.rma, fitted, residuals,
# fitstats/logLik/deviance/AIC/BIC for rma.uni fits of several data sets, tau^2
# estimators, tests and levels.
# The iterative parts are run to tight tolerances (rma: threshold 1e-13 for Fisher
# scoring, tol 1e-15 for the Paule-Mandel root; confint: uniroot tol 1e-15) so that the
# values are converged well past the 1e-8 the tests ask for; metafor's defaults stop
# earlier (threshold 1e-5; uniroot tol .Machine$double.eps^0.25, about 1e-4).
# Run from the repository root (metafor 3.8-1, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/api_reference.R
suppressMessages({
  library(metafor)
  library(jsonlite)
})

ctrl <- list(threshold = 1e-13, maxiter = 10000, tol = 1e-15)

bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
raud <- dat.raudenbush1985
hack <- dat.hackshaw1998
norm <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
               n2i = n2i, data = dat.normand1999)
moll <- escalc("ZCOR", ri = ri, ni = ni, data = dat.molloy2014)
# nearly identical outcomes: Q below the lower chi-square quantile, so the interval
# for tau^2 is {0}
homog <- data.frame(yi = c(0.10, 0.11, 0.105, 0.102, 0.108, 0.101),
                    vi = c(0.02, 0.03, 0.025, 0.04, 0.02, 0.03))

sets <- list(
  list(name = "bcg", yi = bcg$yi, vi = bcg$vi, order = bcg$year,
       # years centred: with raw years the design's condition number, not the code under
       # test, sets the agreement of the closed forms
       mods = list(ablat = cbind(bcg$ablat), ablat_year = cbind(bcg$ablat, bcg$year - 1960)),
       newmods = list(ablat = c(10, 30, 50), ablat_year = rbind(c(10, -10), c(40, 10)))),
  list(name = "raudenbush1985", yi = raud$yi, vi = raud$vi, order = NULL,
       mods = list(weeks = cbind(raud$weeks)), newmods = list(weeks = c(0, 1, 3))),
  list(name = "hackshaw1998", yi = hack$yi, vi = hack$vi, order = hack$year,
       mods = list(year = cbind(hack$year - 1990)), newmods = list(year = c(-5, 5))),
  list(name = "normand1999", yi = norm$yi, vi = norm$vi, order = NULL, mods = list(),
       newmods = list()),
  list(name = "molloy2014", yi = moll$yi, vi = moll$vi, order = moll$year,
       mods = list(meanage_quality = cbind(moll$meanage, moll$quality)),
       newmods = list(meanage_quality = rbind(c(30, 1), c(50, 2), c(70, 3)))),
  list(name = "homog", yi = homog$yi, vi = homog$vi, order = NULL, mods = list(),
       newmods = list())
)

methods <- c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
num <- function(x) { x <- unname(as.numeric(x)); x }

fitstats_of <- function(res) {
  fs <- res$fit.stats
  list(ML = as.list(setNames(num(fs$ML), c("ll", "dev", "AIC", "BIC", "AICc"))),
       REML = as.list(setNames(num(fs$REML), c("ll", "dev", "AIC", "BIC", "AICc"))))
}

pred_of <- function(p) {
  list(pred = num(p$pred), se = num(p$se), ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub),
       pi_lb = if (is.null(p$pi.lb)) NULL else num(p$pi.lb),
       pi_ub = if (is.null(p$pi.ub)) NULL else num(p$pi.ub))
}

fits <- list()
for (s in sets) {
  mod_sets <- c(list(none = NULL), s$mods)
  for (mname in names(mod_sets)) {
    M <- mod_sets[[mname]]
    for (method in methods) {
      for (test in c("z", "knha")) {
        # level 90 for two estimators only, to keep the file small
        for (level in if (method %in% c("DL", "REML")) c(95, 90) else 95) {
          args <- list(yi = s$yi, vi = s$vi, method = method, test = test, level = level,
                       control = ctrl)
          if (!is.null(M)) args$mods <- M
          res <- try(do.call(rma, args), silent = TRUE)
          if (inherits(res, "try-error")) next
          out <- list(tau2 = num(res$tau2), beta = num(res$beta),
                      fitted = num(fitted(res)), residuals = num(residuals(res)),
                      fit_stats = fitstats_of(res), parms = num(res$parms),
                      loglik = num(logLik(res)), deviance = num(deviance(res)),
                      aic = num(AIC(res)), bic = num(BIC(res)),
                      aicc = num(AIC(res, correct = TRUE)))
          if (method != "FE") {
            ci <- confint(res, fixed = TRUE, control = list(tol = 1e-15))
            rnd <- ci$random
            out$confint <- list(tau2 = num(rnd[1, ]), tau = num(rnd[2, ]),
                                I2 = num(rnd[3, ]), H2 = num(rnd[4, ]),
                                fixed_lb = num(ci$fixed[, "ci.lb"]),
                                fixed_ub = num(ci$fixed[, "ci.ub"]),
                                lb_sign = ci$lb.sign, ub_sign = ci$ub.sign,
                                ci_null = ci$ci.null)
          }
          # a meta-regression's predict() gives a row per study: kept for REML only
          if (is.null(M) || method == "REML") out$predict <- pred_of(predict(res))
          if (!is.null(M)) {
            nm <- s$newmods[[mname]]
            out$newmods <- if (is.matrix(nm)) lapply(seq_len(nrow(nm)), function(i) nm[i, ]) else nm
            out$predict_new <- pred_of(predict(res, newmods = nm))
            out$predict_noint <- pred_of(predict(res, newmods = nm, intercept = FALSE))
            if (s$name == "bcg") out$predict_exp <- pred_of(predict(res, newmods = nm, transf = exp))
          } else {
            out$predict_riley <- pred_of(predict(res, pi.type = "riley"))
            out$predict_level80 <- pred_of(predict(res, level = 80))
            cu <- cumul(res)
            cum_of <- function(cu) {
              list(estimate = num(cu$estimate), se = num(cu$se), zval = num(cu[[3]]),
                   pval = num(cu$pvals), ci_lb = num(cu$ci.lb), ci_ub = num(cu$ci.ub),
                   Q = num(cu$Q), Q_p = num(cu$Qp),
                   tau2 = if (is.null(cu$tau2)) rep(0, length(cu$estimate)) else num(cu$tau2),
                   I2 = num(cu$I2), H2 = num(cu$H2))
            }
            out$cumul <- cum_of(cu)
            if (!is.null(s$order) && level == 95) {
              out$cumul_order <- cum_of(cumul(res, order = s$order))
            }
          }
          fits[[length(fits) + 1]] <- list(
            name = s$name, mods_name = mname, method = method, test = test, level = level,
            result = out)
        }
      }
    }
  }
}

data <- lapply(sets, function(s) {
  list(yi = num(s$yi), vi = num(s$vi),
       order = if (is.null(s$order)) NULL else num(s$order),
       mods = lapply(s$mods, function(M) lapply(seq_len(nrow(M)), function(i) num(M[i, ]))))
})
names(data) <- sapply(sets, function(s) s$name)

# regtest: zval of the Egger-type test on an REML fit
eg <- regtest(rma(yi, vi, data = bcg, control = ctrl))
out <- list(metafor = as.character(packageVersion("metafor")), data = data, fits = fits,
            regtest_bcg = list(zval = num(eg$zval), pval = num(eg$pval)))
writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = TRUE, null = "null"),
           "tests/analysis/r/api_reference.json")
cat(length(fits), "fits written\n")
