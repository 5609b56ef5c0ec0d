# Reference values for tests/analysis/test_convergence.py and test_small_inputs.py:
# metafor on rescaled data (dat.bcg x 1e-6; a rare-event risk-difference meta-regression
# in proportions and in percentage points) and on small or odd inputs (k = 1, 2, 3;
# sampling variances of 0; rma(yi, 0) against lm(); variances of about 1e-300).
#
# metafor's stopping rules are absolute (threshold 1e-5 on the change in tau^2, uniroot
# tol ~1.2e-4), so on rescaled data its defaults stop early. "tight" fits scale the
# threshold and tol by the square of the unit (c^2) and tighten them well below the
# defaults; "default" fits keep metafor's defaults, to show what goes wrong.
#
# Run from the repository root (metafor 3.8-1, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/convergence_reference.R
suppressMessages({
  library(metafor)
  library(jsonlite)
})

num <- function(x) if (is.null(x)) NA else unname(as.numeric(x))
methods <- c("DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
tight <- function(c2) list(threshold = 1e-14 * c2, tol = 1e-14 * c2, maxiter = 100000)
capture <- function(expr) {
  tryCatch(suppressWarnings(expr), error = function(e) list(error = conditionMessage(e)))
}
fit_fields <- function(r) {
  if (!is.null(r$error)) return(r)
  list(beta = num(r$beta), se = num(r$se), tau2 = num(r$tau2), se_tau2 = num(r$se.tau2),
       Q = num(r$QE), I2 = num(r$I2), H2 = num(r$H2), weights = num(weights(r)))
}

out <- list(meta = list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  created_utc = format(Sys.time(), tz = "UTC", usetz = TRUE)
))

# ---- dat.bcg (log risk ratios) in its own units and times 1e-6 --------------------------
bcg <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
scaled <- list()
for (unit in c(1, 1e-6)) {
  for (m in methods) {
    y <- bcg$yi * unit
    v <- bcg$vi * unit^2
    scaled[[length(scaled) + 1]] <- list(
      name = "bcg_RR", unit = unit, method = m, yi = num(y), vi = num(v),
      tight = fit_fields(capture(rma(y, v, method = m, control = tight(unit^2)))),
      default = fit_fields(capture(rma(y, v, method = m)))
    )
  }
}
out$scaled <- scaled

# ---- rare-event risk differences: meta-regressions in proportions and percentage points ---
rare <- list(
  list(name = "yusuf1985_table", dat = dat.yusuf1985, mods = ~ factor(table)),
  list(name = "nielweise2007_year", dat = dat.nielweise2007, mods = ~ year)
)
rd <- list()
for (s in rare) {
  es <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = s$dat)
  es <- es[!is.na(es$yi), ]
  X <- model.matrix(s$mods, data = es)
  for (unit in c(1, 100)) {
    for (m in c("ML", "REML", "EB", "PM")) {
      y <- es$yi * unit
      v <- es$vi * unit^2
      rd[[length(rd) + 1]] <- list(
        name = s$name, unit = unit, method = m, yi = num(y), vi = num(v),
        mods = unname(X[, -1, drop = FALSE]),
        tight = fit_fields(capture(rma(y, v, mods = X[, -1, drop = FALSE], method = m,
                                       control = tight(unit^2)))),
        default = fit_fields(capture(rma(y, v, mods = X[, -1, drop = FALSE], method = m)))
      )
    }
  }
}
out$rare_rd <- rd

# ---- small k: regtest, trimfill, ranktest after each model -------------------------------
small <- list()
ctl <- tight(1)
for (k in 1:3) {
  for (m in c("FE", "DL", "REML", "ML", "PM")) {
    y <- bcg$yi[1:k]
    v <- bcg$vi[1:k]
    r <- rma(y, v, method = m, control = ctl)
    reg <- capture(regtest(r))
    tf <- capture(trimfill(r, control = ctl))
    rk <- capture(ranktest(r))
    tf_given <- lapply(c(left = "left", right = "right"), function(side) {
      t <- capture(trimfill(r, side = side, control = ctl))
      if (!is.null(t$error)) t else list(k0 = num(t$k0), beta = num(t$beta), se = num(t$se),
                                         tau2 = num(t$tau2))
    })
    small[[length(small) + 1]] <- list(
      k = k, method = m, yi = num(y), vi = num(v),
      rma = fit_fields(r),
      regtest = if (!is.null(reg$error)) reg else list(
        zval = num(reg$zval), pval = num(reg$pval), ddf = num(reg$dfs), est = num(reg$est),
        ci_lb = num(reg$ci.lb), ci_ub = num(reg$ci.ub)),
      trimfill = if (!is.null(tf$error)) tf else list(
        k0 = num(tf$k0), side = tf$side, beta = num(tf$beta), se = num(tf$se),
        tau2 = num(tf$tau2)),
      trimfill_left = tf_given$left, trimfill_right = tf_given$right,
      ranktest = if (!is.null(rk$error)) rk else list(tau = num(rk$tau), pval = num(rk$pval))
    )
  }
}
out$small_k <- small

# ---- sampling variances of 0 --------------------------------------------------------------
v0 <- bcg$vi
v0[c(2, 5)] <- 0
zero <- list()
for (m in c("FE", methods)) {
  zero[[length(zero) + 1]] <- list(
    name = "bcg_two_zero", method = m, yi = num(bcg$yi), vi = num(v0),
    result = fit_fields(capture(rma(bcg$yi, v0, method = m, control = ctl))))
  zero[[length(zero) + 1]] <- list(
    name = "bcg_all_zero", method = m, yi = num(bcg$yi), vi = rep(0, nrow(bcg)),
    result = fit_fields(capture(rma(bcg$yi, 0, method = m, control = ctl))))
}
out$vi_zero <- zero
lm_fit <- summary(lm(bcg$yi ~ 1))
lm_reg <- summary(lm(bcg$yi ~ bcg$ablat))
out$lm <- list(
  yi = num(bcg$yi), ablat = num(bcg$ablat),
  intercept_only = list(beta = num(coef(lm_fit)[, 1]), se = num(coef(lm_fit)[, 2]),
                        sigma2 = num(lm_fit$sigma^2)),
  regression = list(beta = num(coef(lm_reg)[, 1]), se = num(coef(lm_reg)[, 2]),
               sigma2 = num(lm_reg$sigma^2)),
  rma_ablat_reml = fit_fields(rma(bcg$yi, 0, mods = bcg$ablat, method = "REML", control = ctl))
)

# ---- sampling variances of about 1e-300 ----------------------------------------------------
tiny <- list()
for (m in c("FE", methods)) {
  for (case in list(list(name = "bcg_times_1e-300", vi = bcg$vi * 1e-300),
                    list(name = "all_1e-300", vi = rep(1e-300, nrow(bcg))))) {
    tiny[[length(tiny) + 1]] <- list(
      name = case$name, method = m, yi = num(bcg$yi), vi = num(case$vi),
      result = fit_fields(capture(rma(bcg$yi, case$vi, method = m, control = ctl))))
  }
}
out$tiny_vi <- tiny

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, na = "null", pretty = TRUE),
           "tests/analysis/r/convergence_reference.json")
