# Reference values for tests/analysis/test_*.py, computed with R's metafor on the
# metadat datasets that ship with it.
#
#   Rscript tests/analysis/r/make_reference.R   (from the repository root)
#
# writes tests/analysis/r/reference.json. The Python tests only read the JSON; they
# never call R. Every case stores its own inputs, so a test needs nothing else.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

ctl <- list(threshold = 1e-12, maxiter = 1000, tol = 1e-12)
out <- list(
  meta = list(
    r_version = R.version.string,
    metafor_version = as.character(packageVersion("metafor")),
    metadat_version = as.character(packageVersion("metadat")),
    jsonlite_version = as.character(packageVersion("jsonlite")),
    control = ctl,
    created_utc = format(Sys.time(), tz = "UTC", usetz = TRUE)
  )
)

num <- function(x) unname(as.numeric(x))

fit_summary <- function(r) {
  pr <- predict(r)
  res <- list(
    k = r$k, p = r$p, beta = num(r$beta), se = num(r$se), zval = num(r$zval),
    pval = num(r$pval), ci_lb = num(r$ci.lb), ci_ub = num(r$ci.ub),
    tau2 = num(r$tau2), se_tau2 = num(r$se.tau2), I2 = num(r$I2), H2 = num(r$H2),
    Q = num(r$QE), Q_df = r$k - r$p, Q_p = num(r$QEp), QM = num(r$QM),
    QM_df = num(r$QMdf[1]), QM_p = num(r$QMp), ddf = num(r$ddf),
    weights = num(weights(r))
  )
  if (r$int.only) {
    res$pi_lb <- num(pr$pi.lb)
    res$pi_ub <- num(pr$pi.ub)
  }
  res
}

# ---- escalc -----------------------------------------------------------------------
escalc_cases <- list()
add_escalc <- function(name, measure, args, extra = list()) {
  es <- do.call(escalc, c(list(measure = measure), args, extra))
  escalc_cases[[length(escalc_cases) + 1]] <<- list(
    name = name, measure = measure, args = args, options = extra,
    yi = num(es$yi), vi = num(es$vi)
  )
}

bcg <- dat.bcg
bcg_cells <- list(ai = bcg$tpos, bi = bcg$tneg, ci = bcg$cpos, di = bcg$cneg)
for (m in c("RR", "OR", "RD", "PETO")) add_escalc("bcg", m, bcg_cells)

hine <- dat.hine1989
hine_cells <- list(ai = hine$ai, n1i = hine$n1i, ci = hine$ci, n2i = hine$n2i)
for (m in c("RD", "RR", "OR")) add_escalc("hine1989", m, hine_cells)

yusuf <- na.omit(dat.yusuf1985[dat.yusuf1985$table == "6", ])
yusuf_cells <- list(ai = yusuf$ai, n1i = yusuf$n1i, ci = yusuf$ci, n2i = yusuf$n2i)
for (m in c("RR", "OR", "RD", "PETO")) {
  for (to in c("only0", "all", "if0all")) {
    add_escalc("yusuf1985_table6", m, yusuf_cells, list(to = to))
  }
  add_escalc("yusuf1985_table6", m, yusuf_cells, list(add = 0.25, to = "all"))
}
nz <- with(yusuf, ai > 0 & ci > 0)
yusuf_nz <- list(ai = yusuf$ai[nz], n1i = yusuf$n1i[nz], ci = yusuf$ci[nz], n2i = yusuf$n2i[nz])
for (m in c("RR", "OR", "PETO")) add_escalc("yusuf1985_table6_nonzero", m, yusuf_nz, list(to = "none"))

pritz <- dat.pritz1997
pritz_cols <- list(xi = pritz$xi, ni = pritz$ni)
for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) add_escalc("pritz1997", m, pritz_cols)
debruin <- dat.debruin2009
debruin_cols <- list(xi = debruin$xi, ni = debruin$ni)
for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) add_escalc("debruin2009", m, debruin_cols)
# A proportion of 0 and of 1 to exercise the continuity correction.
edge_cols <- list(xi = c(0, 3, 10, 7), ni = c(12, 20, 10, 30))
for (m in c("PR", "PLN", "PLO", "PAS", "PFT")) add_escalc("proportion_edges", m, edge_cols)
add_escalc("proportion_edges", "PAS", edge_cols, list(add = 0.5))

normand <- dat.normand1999
normand_cols <- list(m1i = normand$m1i, sd1i = normand$sd1i, n1i = normand$n1i,
                     m2i = normand$m2i, sd2i = normand$sd2i, n2i = normand$n2i)
for (m in c("MD", "SMD", "ROM")) add_escalc("normand1999", m, normand_cols)
curtis <- dat.curtis1998
curtis_cols <- list(m1i = curtis$m1i, sd1i = curtis$sd1i, n1i = curtis$n1i,
                    m2i = curtis$m2i, sd2i = curtis$sd2i, n2i = curtis$n2i)
for (m in c("ROM", "SMD", "MD")) add_escalc("curtis1998", m, curtis_cols)

# metadat has no pre-post data set with raw means in this version: a small synthetic one.
change_cols <- list(m1i = c(10.2, 8.1, 12.5, 9.9, 11.0, 7.4),
                    m2i = c(12.9, 9.0, 15.1, 10.4, 14.2, 9.8),
                    sd1i = c(3.1, 2.2, 4.0, 2.9, 3.5, 2.6),
                    sd2i = c(3.4, 2.5, 4.4, 3.0, 3.1, 2.4),
                    ni = c(20, 35, 12, 48, 16, 25),
                    ri = c(0.6, 0.45, 0.7, 0.5, 0.65, 0.3))
for (m in c("MC", "SMCC")) add_escalc("synthetic_change", m, change_cols)
add_escalc("synthetic_change", "SMCR", change_cols[c("m1i", "m2i", "sd1i", "ni", "ri")])
mean_cols <- list(mi = c(53.6, 45.3, 45.6, 61.2, 38.9), sdi = c(12.1, 9.8, 11.5, 14.0, 8.7),
                  ni = c(24, 30, 18, 52, 15))
add_escalc("synthetic_mean", "MN", mean_cols)
out$escalc <- escalc_cases

# ---- rma ----------------------------------------------------------------------------
rma_cases <- list()
add_rma <- function(name, yi, vi, method, test = "z", mods = NULL, level = 95,
                    measure = NULL, ni = NULL, control = ctl, intercept = TRUE) {
  args <- list(yi = yi, vi = vi, method = method, test = test, level = level, control = control,
               intercept = intercept)
  if (!is.null(mods)) args$mods <- mods
  r <- do.call(rma, args)
  case <- list(name = name, method = method, test = test, level = level, intercept = intercept,
               yi = num(yi), vi = num(vi), result = fit_summary(r))
  if (!is.null(mods)) case$mods <- unname(as.matrix(mods))
  if (!is.null(measure) && r$int.only) {
    case$measure <- measure
    if (measure == "PFT") {
      tr <- predict(r, transf = transf.ipft.hm, targs = list(ni = ni))
      case$ni <- num(ni)
    } else {
      f <- switch(measure, PLO = transf.ilogit, PAS = transf.iarcsin, PR = NULL, exp)
      tr <- if (is.null(f)) predict(r) else predict(r, transf = f)
    }
    case$transformed <- list(estimate = num(tr$pred), ci_lb = num(tr$ci.lb),
                             ci_ub = num(tr$ci.ub), pi_lb = num(tr$pi.lb),
                             pi_ub = num(tr$pi.ub))
  }
  rma_cases[[length(rma_cases) + 1]] <<- case
}

bcg_rr <- escalc("RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
methods <- c("FE", "EE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")
for (m in methods) add_rma("bcg_RR", bcg_rr$yi, bcg_rr$vi, m, measure = "RR")
for (m in setdiff(methods, c("FE", "EE"))) add_rma("bcg_RR", bcg_rr$yi, bcg_rr$vi, m, "knha")
add_rma("bcg_RR_level90", bcg_rr$yi, bcg_rr$vi, "REML", level = 90)
for (m in c("FE", "DL", "HE", "HS", "SJ", "ML", "REML", "EB", "PM")) {
  add_rma("bcg_RR_ablat", bcg_rr$yi, bcg_rr$vi, m, mods = cbind(bcg_rr$ablat))
}
for (m in c("REML", "DL")) {
  add_rma("bcg_RR_ablat_year", bcg_rr$yi, bcg_rr$vi, m, "knha",
          mods = cbind(bcg_rr$ablat, bcg_rr$year))
}

# Cell means model (no intercept): QM tests all coefficients; like metafor, tau^2 is
# estimated from centred outcomes, which matters only without an intercept.
alloc_dummies <- model.matrix(~ factor(bcg_rr$alloc) - 1)
for (m in c("REML", "DL", "FE", "SJ", "HE", "HS")) {
  for (test in c("z", "knha")) {
    if (m == "FE" && test == "knha") next
    add_rma("bcg_RR_alloc_cellmeans", bcg_rr$yi, bcg_rr$vi, m, test, mods = alloc_dummies,
            intercept = FALSE)
  }
}

normand_smd <- escalc("SMD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                      n2i = n2i, data = dat.normand1999)
for (m in methods) add_rma("normand1999_SMD", normand_smd$yi, normand_smd$vi, m)
normand_md <- escalc("MD", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                     n2i = n2i, data = dat.normand1999)
for (m in c("DL", "REML", "PM")) add_rma("normand1999_MD", normand_md$yi, normand_md$vi, m, "knha")

hine_rd <- escalc("RD", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.hine1989)
for (m in c("FE", "DL", "REML", "ML", "PM", "EB", "HE", "HS", "SJ")) {
  add_rma("hine1989_RD", hine_rd$yi, hine_rd$vi, m)
}

curtis_rom <- escalc("ROM", m1i = m1i, sd1i = sd1i, n1i = n1i, m2i = m2i, sd2i = sd2i,
                     n2i = n2i, data = dat.curtis1998)
for (m in c("DL", "REML", "ML", "PM")) add_rma("curtis1998_ROM", curtis_rom$yi, curtis_rom$vi, m, measure = "ROM")

for (meas in c("PR", "PLN", "PLO", "PAS", "PFT")) {
  es <- escalc(meas, xi = xi, ni = ni, data = dat.pritz1997)
  add_rma(paste0("pritz1997_", meas), es$yi, es$vi, "REML", measure = meas, ni = dat.pritz1997$ni)
  add_rma(paste0("pritz1997_", meas), es$yi, es$vi, "DL", "knha", measure = meas, ni = dat.pritz1997$ni)
  es <- escalc(meas, xi = xi, ni = ni, data = dat.debruin2009)
  add_rma(paste0("debruin2009_", meas), es$yi, es$vi, "REML", measure = meas, ni = dat.debruin2009$ni)
}

egger <- escalc("OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.egger2001)
for (m in c("FE", "DL", "REML")) add_rma("egger2001_OR", egger$yi, egger$vi, m, measure = "OR")

# Homogeneous data: tau2 is estimated at the boundary 0.
homog_yi <- c(0.10, 0.12, 0.08, 0.11, 0.09, 0.105)
homog_vi <- c(0.04, 0.05, 0.03, 0.06, 0.045, 0.05)
for (m in methods) add_rma("homogeneous", homog_yi, homog_vi, m)

# One precise outlying study: plain Fisher scoring oscillates for ML (metafor stops with
# an error); with halved steps metafor converges, and that is the reference.
osc_yi <- c(rep(0, 13), 2)
osc_vi <- c(rep(1, 13), 0.25)
for (m in c("ML", "REML", "EB")) {
  add_rma("oscillating", osc_yi, osc_vi, m, control = c(ctl, list(stepadj = 0.5)))
}

# One study.
for (m in c("FE", "REML", "DL")) add_rma("single_study", 0.4, 0.09, m)
out$rma <- rma_cases

# ---- subgroups (separate fits + mixed-effects model with factor moderator) ----------
sub_cases <- list()
add_subgroup <- function(name, yi, vi, groups, method, test = "z") {
  lv <- sort(unique(groups))
  per <- lapply(lv, function(g) {
    s <- groups == g
    fit_summary(rma(yi[s], vi[s], method = method, test = test, control = ctl))
  })
  names(per) <- lv
  mixed <- rma(yi, vi, mods = ~ factor(groups), method = method, test = test, control = ctl)
  sub_cases[[length(sub_cases) + 1]] <<- list(
    name = name, method = method, test = test, yi = num(yi), vi = num(vi),
    groups = as.character(groups), per_group = per,
    QM = num(mixed$QM), QM_df = num(mixed$QMdf[1]), QM_p = num(mixed$QMp),
    mixed = fit_summary(mixed)
  )
}
for (m in c("REML", "DL", "FE", "ML", "PM")) add_subgroup("bcg_alloc", bcg_rr$yi, bcg_rr$vi, bcg_rr$alloc, m)
add_subgroup("bcg_alloc", bcg_rr$yi, bcg_rr$vi, bcg_rr$alloc, "REML", "knha")
add_subgroup("debruin2009_ethnicity_PLO",
             escalc("PLO", xi = xi, ni = ni, data = dat.debruin2009)$yi,
             escalc("PLO", xi = xi, ni = ni, data = dat.debruin2009)$vi,
             dat.debruin2009$ethnicity, "REML")
out$subgroup <- sub_cases

# ---- leave1out and influence --------------------------------------------------------
l1o_cases <- list()
inf_cases <- list()
add_diag <- function(name, yi, vi, method, test = "z", mods = NULL) {
  args <- list(yi = yi, vi = vi, method = method, test = test, control = ctl)
  if (!is.null(mods)) args$mods <- mods
  r <- do.call(rma, args)
  if (is.null(mods)) {
    l <- leave1out(r)
    l1o_cases[[length(l1o_cases) + 1]] <<- list(
      name = name, method = method, test = test, yi = num(yi), vi = num(vi),
      estimate = num(l$estimate), se = num(l$se),
      zval = num(if (test == "knha") l$tval else l$zval), pval = num(l$pval),
      ci_lb = num(l$ci.lb), ci_ub = num(l$ci.ub), Q = num(l$Q), Q_p = num(l$Qp),
      tau2 = if (method %in% c("FE", "EE")) rep(0, r$k) else num(l$tau2),
      I2 = num(l$I2), H2 = num(l$H2)
    )
  }
  inf <- influence(r)
  case <- list(
    name = name, method = method, test = test, yi = num(yi), vi = num(vi),
    rstudent = num(inf$inf$rstudent), dffits = num(inf$inf$dffits),
    cook_d = num(inf$inf$cook.d), cov_r = num(inf$inf$cov.r),
    tau2_del = num(inf$inf$tau2.del), QE_del = num(inf$inf$QE.del),
    hat = num(inf$inf$hat), weight = num(inf$inf$weight),
    dfbs = matrix(unlist(lapply(seq_len(r$p), function(j) inf$dfbs[[j]])), ncol = r$p),
    inf = as.logical(inf$is.infl)
  )
  if (!is.null(mods)) case$mods <- unname(as.matrix(mods))
  inf_cases[[length(inf_cases) + 1]] <<- case
}
for (m in c("REML", "DL", "FE", "ML", "PM")) add_diag("bcg_RR", bcg_rr$yi, bcg_rr$vi, m)
add_diag("bcg_RR", bcg_rr$yi, bcg_rr$vi, "REML", "knha")
add_diag("bcg_RR_ablat", bcg_rr$yi, bcg_rr$vi, "REML", "knha", mods = cbind(bcg_rr$ablat))
add_diag("bcg_RR_ablat", bcg_rr$yi, bcg_rr$vi, "FE", mods = cbind(bcg_rr$ablat))
add_diag("normand1999_SMD", normand_smd$yi, normand_smd$vi, "REML")
add_diag("egger2001_OR", egger$yi, egger$vi, "DL")
out$leave1out <- l1o_cases
out$influence <- inf_cases

# ---- small-study tests --------------------------------------------------------------
reg_cases <- list()
add_reg <- function(name, yi, vi, method, test = "z", ni = NULL) {
  args <- list(yi = yi, vi = vi, method = method, test = test, control = ctl)
  if (!is.null(ni)) args$ni <- ni
  r <- do.call(rma, args)
  preds <- c("sei", "vi")
  if (!is.null(ni)) preds <- c(preds, "ni", "ninv", "sqrtni", "sqrtninv")
  for (model in c("rma", "lm")) {
    for (pr in preds) {
      t <- regtest(r, model = model, predictor = pr)
      reg_cases[[length(reg_cases) + 1]] <<- list(
        name = name, method = method, test = test, model = model, predictor = pr,
        yi = num(yi), vi = num(vi), ni = if (is.null(ni)) NULL else num(ni),
        zval = num(t$zval), pval = num(t$pval), ddf = num(t$ddf),
        est = if (is.null(t$est)) NULL else num(t$est),
        ci_lb = if (is.null(t$ci.lb)) NULL else num(t$ci.lb),
        ci_ub = if (is.null(t$ci.ub)) NULL else num(t$ci.ub)
      )
    }
  }
}
add_reg("bcg_RR", bcg_rr$yi, bcg_rr$vi, "REML", ni = with(dat.bcg, tpos + tneg + cpos + cneg))
add_reg("bcg_RR", bcg_rr$yi, bcg_rr$vi, "FE")
add_reg("bcg_RR", bcg_rr$yi, bcg_rr$vi, "DL", "knha")
add_reg("egger2001_OR", egger$yi, egger$vi, "REML", ni = with(dat.egger2001, n1i + n2i))
add_reg("normand1999_SMD", normand_smd$yi, normand_smd$vi, "ML")
out$regtest <- reg_cases

rank_cases <- list()
add_rank <- function(name, yi, vi) {
  t <- ranktest(yi, vi)
  rank_cases[[length(rank_cases) + 1]] <<- list(
    name = name, yi = num(yi), vi = num(vi), tau = num(t$tau), pval = num(t$pval)
  )
}
add_rank("bcg_RR", bcg_rr$yi, bcg_rr$vi)
add_rank("egger2001_OR", egger$yi, egger$vi)
add_rank("normand1999_SMD", normand_smd$yi, normand_smd$vi)
pas <- escalc("PAS", xi = xi, ni = ni, data = dat.pritz1997)
add_rank("pritz1997_PAS_ties", pas$yi, pas$vi)
add_rank("curtis1998_ROM_n102", curtis_rom$yi, curtis_rom$vi)
out$ranktest <- rank_cases

# Harbord's and Peters' tests are not in metafor; both are weighted regressions that
# regtest(model = "lm") reproduces exactly:
#  - Harbord: Z/V regressed with weights V on 1/sqrt(V) (= sei) is the same fit as
#    Z/sqrt(V) on sqrt(V); the coefficient of sei is Harbord's intercept.
#  - Peters: lnOR on 1/N with weights 1/(1/(a+c) + 1/(b+d)).
two_by_two <- list()
add_2x2 <- function(name, ai, bi, ci, di) {
  # Doubles: the products below overflow R's 32-bit integers.
  ai <- as.numeric(ai); bi <- as.numeric(bi); ci <- as.numeric(ci); di <- as.numeric(di)
  n1 <- ai + bi; n2 <- ci + di; n <- n1 + n2; m1 <- ai + ci; m2 <- bi + di
  z <- ai - n1 * m1 / n
  v <- n1 * n2 * m1 * m2 / (n^2 * (n - 1))
  keep <- v > 0
  h <- regtest(z[keep] / v[keep], vi = 1 / v[keep], model = "lm", predictor = "sei")
  pk <- m1 > 0 & m2 > 0
  or <- escalc("OR", ai = ai[pk], bi = bi[pk], ci = ci[pk], di = di[pk])
  w <- 1 / (1 / m1[pk] + 1 / m2[pk])
  p <- regtest(or$yi, vi = 1 / w, ni = n[pk], model = "lm", predictor = "ninv")
  two_by_two[[length(two_by_two) + 1]] <<- list(
    name = name, ai = ai, bi = bi, ci = ci, di = di,
    harbord = list(statistic = num(h$zval), pval = num(h$pval), ddf = num(h$ddf),
                   k = sum(keep)),
    peters = list(statistic = num(p$zval), pval = num(p$pval), ddf = num(p$ddf),
                  k = sum(pk))
  )
}
add_2x2("bcg", dat.bcg$tpos, dat.bcg$tneg, dat.bcg$cpos, dat.bcg$cneg)
add_2x2("egger2001", dat.egger2001$ai, dat.egger2001$n1i - dat.egger2001$ai,
        dat.egger2001$ci, dat.egger2001$n2i - dat.egger2001$ci)
add_2x2("yusuf1985_table6", yusuf$ai, yusuf$n1i - yusuf$ai, yusuf$ci, yusuf$n2i - yusuf$ci)
out$two_by_two <- two_by_two

# ---- trim and fill ------------------------------------------------------------------
tf_cases <- list()
add_tf <- function(name, yi, vi, method, estimator, side = NULL) {
  r <- rma(yi, vi, method = method, control = ctl)
  args <- list(r, estimator = estimator, control = ctl)
  if (!is.null(side)) args$side <- side
  t <- do.call(trimfill, args)
  tf_cases[[length(tf_cases) + 1]] <<- list(
    name = name, method = method, estimator = estimator,
    side_arg = if (is.null(side)) NULL else side,
    yi = num(yi), vi = num(vi), k0 = t$k0, se_k0 = num(t$se.k0), side = t$side,
    p_k0 = num(t$p.k0), filled_yi = num(t$yi), filled_vi = num(t$vi),
    fit = fit_summary(t)
  )
}
for (est in c("L0", "R0")) {
  for (m in c("REML", "FE", "DL")) add_tf("bcg_RR", bcg_rr$yi, bcg_rr$vi, m, est)
  add_tf("egger2001_OR", egger$yi, egger$vi, "FE", est)
  add_tf("egger2001_OR", egger$yi, egger$vi, "REML", est)
  add_tf("normand1999_SMD", normand_smd$yi, normand_smd$vi, "REML", est)
  add_tf("bcg_RR_left", bcg_rr$yi, bcg_rr$vi, "REML", est, side = "left")
  add_tf("curtis1998_ROM", curtis_rom$yi, curtis_rom$vi, "DL", est)
}
out$trimfill <- tf_cases

path <- file.path("tests", "analysis", "r", "reference.json")
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null", null = "null",
                  pretty = FALSE, matrix = "rowmajor"), path)
cat("wrote", path, "\n")
