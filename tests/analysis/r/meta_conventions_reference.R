# Reference values for R meta's conventions in analysis/meta: the I^2 from Q with its
# confidence interval (heterogeneity_q.py), prediction intervals on z, t(k - p) and
# t(k - 2) (prediction_interval.py), Clopper-Pearson and Wilson intervals for single
# proportions (proportion_ci.py), Wan et al.'s small-sample tables (wan_tables.py,
# conversions.py), and rma.glmm's common-effect model, moderators and subgroups
# (glmm.py, glmm_regression.py, glmm_subgroups.py).
#
# The R package meta is not installed here, so its conventions are computed from their
# published formulas in base R, each cited where it is used; everything metafor has comes
# from metafor itself.
# Run from the repository root (metafor 3.8-1, lme4 1.1-31, metadat 1.2-0 from Debian):
#   Rscript tests/analysis/r/meta_conventions_reference.R
suppressMessages({
  library(metafor)
  library(lme4)
  library(jsonlite)
})

num <- function(x) if (is.null(x) || length(x) == 0 || is.na(x)) NA else unname(as.numeric(x))

# ---------------------------------------------------------------------------------------
# 1. H and I^2 from Q with test-based intervals: Higgins JPT, Thompson SG (2002).
#    Quantifying heterogeneity in a meta-analysis. Stat Med 21:1539-58, equations (8)-(9)
#    and the appendix (the formulas of meta's calcH and isquared).
# ---------------------------------------------------------------------------------------
h_from_q <- function(Q, df, level) {
  k <- df + 1
  if (k < 2) return(list(H = NA, H_lb = NA, H_ub = NA, I2 = NA, I2_lb = NA, I2_ub = NA))
  H <- sqrt(Q / df)
  se <- if (Q > k) 0.5 * (log(Q) - log(k - 1)) / (sqrt(2 * Q) - sqrt(2 * k - 3))
        else if (k > 2) sqrt(1 / (2 * (k - 2)) * (1 - 1 / (3 * (k - 2)^2)))
        else NA
  z <- qnorm(1 - (1 - level / 100) / 2)
  lb <- max(exp(log(H) - z * se), 1)
  ub <- max(exp(log(H) + z * se), 1)
  H <- max(H, 1)
  i2 <- function(h) 100 * (h^2 - 1) / h^2
  list(H = H, H_lb = lb, H_ub = ub, I2 = i2(H), I2_lb = i2(lb), I2_ub = i2(ub))
}

# metafor's REML stops at a change of 1e-5 in tau^2; the engine converges further.
tight_rma <- list(threshold = 1e-12, maxiter = 1000)

bcg <- escalc(measure = "RR", ai = tpos, bi = tneg, ci = cpos, di = cneg, data = dat.bcg)
pritz <- escalc(measure = "PLO", xi = xi, ni = ni, data = dat.pritz1997)
nw <- escalc(measure = "OR", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = dat.nielweise2007)
sets <- list(
  list(name = "bcg", yi = bcg$yi, vi = bcg$vi),
  list(name = "pritz1997", yi = pritz$yi, vi = pritz$vi),
  list(name = "nielweise2007", yi = nw$yi, vi = nw$vi),
  # hand-made: Q below k (the second standard-error formula), k = 3
  list(name = "low_q", yi = c(0.10, 0.12, 0.11), vi = c(0.04, 0.05, 0.03)),
  # k = 2 with Q > 2 and with Q <= 2 (no interval)
  list(name = "k2_high", yi = c(0.0, 1.5), vi = c(0.05, 0.06)),
  list(name = "k2_low", yi = c(0.0, 0.2), vi = c(0.05, 0.06)),
  # identical estimates: Q = 0
  list(name = "q_zero", yi = c(0.3, 0.3, 0.3, 0.3), vi = c(0.01, 0.02, 0.03, 0.04))
)

i2q <- list()
for (s in sets) {
  for (method in c("FE", "REML", "DL")) {
    for (level in c(95, 90)) {
      res <- rma(s$yi, s$vi, method = method, level = level, control = tight_rma)
      h <- h_from_q(res$QE, res$k - res$p, level)
      i2q[[length(i2q) + 1]] <- list(
        name = s$name, method = method, level = level, yi = s$yi, vi = s$vi,
        Q = res$QE, Q_df = res$k - res$p, I2 = res$I2, H2 = res$H2,
        I2_Q = num(h$I2), I2_Q_ci_lb = num(h$I2_lb), I2_Q_ci_ub = num(h$I2_ub),
        H_Q = num(h$H), H_Q_ci_lb = num(h$H_lb), H_Q_ci_ub = num(h$H_ub))
    }
  }
}
# A meta-regression: the residual Q on k - p df.
res <- rma(yi, vi, mods = ~ ablat, data = bcg, control = tight_rma)
h <- h_from_q(res$QE, res$k - res$p, 95)
i2q_mods <- list(name = "bcg_ablat", yi = bcg$yi, vi = bcg$vi, mods = dat.bcg$ablat,
                 Q = res$QE, Q_df = res$k - res$p, I2 = res$I2,
                 I2_Q = h$I2, I2_Q_ci_lb = h$I2_lb, I2_Q_ci_ub = h$I2_ub,
                 H_Q = h$H, H_Q_ci_lb = h$H_lb, H_Q_ci_ub = h$H_ub)

# ---------------------------------------------------------------------------------------
# 2. Prediction intervals. z and t(k - p): metafor's predict() after rma(test = "z"),
#    rma(test = "t") and rma(test = "knha"). t(k - 2): Higgins JPT, Thompson SG,
#    Spiegelhalter DJ (2009), J R Stat Soc A 172:137-59, section 3.6 (meta's
#    method.predict = "HTS"): estimate +/- qt(1 - alpha/2, k - 2) sqrt(se^2 + tau^2).
# ---------------------------------------------------------------------------------------
pis <- list()
for (s in sets[c(1, 2, 3, 4)]) {
  for (method in c("REML", "DL", "FE")) {
    for (test in c("z", "t", "knha")) {
      for (level in c(95, 90)) {
        res <- suppressWarnings(rma(s$yi, s$vi, method = method, test = test,
                                    level = level, control = tight_rma))
        pr <- predict(res)
        k <- res$k
        half <- qt(1 - (1 - level / 100) / 2, k - 2) * sqrt(res$se^2 + res$tau2)
        pis[[length(pis) + 1]] <- list(
          name = s$name, method = method, test = test, level = level, yi = s$yi, vi = s$vi,
          estimate = num(res$beta), se = res$se, tau2 = res$tau2,
          # metafor 3.8 gives no prediction interval for a fixed-effect model (NA here).
          pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
          hts_lb = num(res$beta) - half, hts_ub = num(res$beta) + half)
      }
    }
  }
}

# ---------------------------------------------------------------------------------------
# 3. Single proportions: Clopper-Pearson from binom.test, Wilson's score interval from
#    prop.test(correct = FALSE).
# ---------------------------------------------------------------------------------------
counts <- list(c(0, 10), c(1, 10), c(5, 10), c(10, 10), c(16, 17), c(43, 58), c(0, 1),
               c(1, 1), c(3, 250), c(179, 326), c(999, 1000))
props <- list()
for (xn in counts) {
  for (level in c(95, 90, 99)) {
    cp <- binom.test(xn[1], xn[2], conf.level = level / 100)$conf.int
    ws <- suppressWarnings(prop.test(xn[1], xn[2], correct = FALSE,
                                     conf.level = level / 100))$conf.int
    props[[length(props) + 1]] <- list(x = xn[1], n = xn[2], level = level,
                                       cp_lb = cp[1], cp_ub = cp[2],
                                       wilson_lb = ws[1], wilson_ub = ws[2])
  }
}

# ---------------------------------------------------------------------------------------
# 4. Wan X, Wang W, Liu J, Tong T (2014). BMC Med Res Methodol 14:135. Table 1 is the
#    expected range of n standard normal draws, E(R) = integral of
#    1 - Phi(x)^n - (1 - Phi(x))^n; Table 2 the expected interquartile range
#    E(X_(3Q+1) - X_(Q+1)) for n = 4Q + 1. Both are computed here by numerical
#    integration, so the published three-decimal values can be checked (to 5e-4).
#    The tables as R meta stores them (settings.meta options Wan2014.Table1/Table2) are
#    repeated below, and meta's conversions (mean.sd.range, mean.sd.iqr,
#    mean.sd.iqr.range) are computed from their formulas with those tables.
# ---------------------------------------------------------------------------------------
expected_range <- function(n) {
  integrate(function(x) 1 - pnorm(x)^n - pnorm(x, lower.tail = FALSE)^n,
            -Inf, Inf, rel.tol = 1e-12)$value
}
expected_order <- function(r, n) {
  f <- function(x) {
    x * exp(log(r) + lchoose(n, r) + (r - 1) * pnorm(x, log.p = TRUE) +
              (n - r) * pnorm(x, lower.tail = FALSE, log.p = TRUE) + dnorm(x, log = TRUE))
  }
  integrate(f, -Inf, Inf, rel.tol = 1e-12)$value
}
xi_exact <- sapply(1:50, function(n) if (n == 1) 0 else expected_range(n))
eta_exact <- sapply(1:50, function(Q) {
  n <- 4 * Q + 1
  expected_order(3 * Q + 1, n) - expected_order(Q + 1, n)
})
wan_t1 <- c(0.000, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078,
            3.173, 3.259, 3.336, 3.407, 3.472, 3.532, 3.588, 3.640, 3.689, 3.735,
            3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027, 4.057, 4.086,
            4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322,
            4.341, 4.361, 4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498)
wan_t2 <- c(0.990, 1.144, 1.206, 1.239, 1.260, 1.274, 1.284, 1.292, 1.298, 1.303,
            1.307, 1.311, 1.313, 1.316, 1.318, 1.320, 1.322, 1.323, 1.324, 1.326,
            1.327, 1.328, 1.329, 1.330, 1.330, 1.331, 1.332, 1.332, 1.333, 1.333,
            1.334, 1.334, 1.335, 1.335, 1.336, 1.336, 1.336, 1.337, 1.337, 1.337,
            1.338, 1.338, 1.338, 1.338, 1.339, 1.339, 1.339, 1.339, 1.339, 1.340)
xi_n <- function(n) ifelse(n > 50, 2 * qnorm((n - 0.375) / (n + 0.25)), wan_t1[pmin(n, 50)])
eta_n <- function(n) ifelse(n > 201, 2 * qnorm((0.75 * n - 0.125) / (n + 0.25)),
                            wan_t2[pmin(ceiling(0.25 * (n - 1)), 50)])
# Luo et al. (2018) means, eqs. (7), (11), (15); Wan SDs with the tables, eqs. (7), (9),
# (12), (13), (15), (16); Shi et al. (2020) S3 SD, eq. (11), closed forms.
luo_s1 <- function(n, a, m, b) { w <- 4 / (4 + n^0.75); w * (a + b) / 2 + (1 - w) * m }
luo_s2 <- function(n, q1, m, q3) { w <- 0.7 + 0.39 / n; w * (q1 + q3) / 2 + (1 - w) * m }
luo_s3 <- function(n, a, q1, m, q3, b) {
  w1 <- 2.2 / (2.2 + n^0.75); w2 <- 0.7 - 0.72 / n^0.55
  w1 * (a + b) / 2 + w2 * (q1 + q3) / 2 + (1 - w1 - w2) * m
}
shi_s3 <- function(n, a, q1, q3, b) {
  theta1 <- (2 + 0.14 * n^0.6) * qnorm((n - 0.375) / (n + 0.25))
  theta2 <- (2 + 2 / (0.07 * n^0.6)) * qnorm((0.75 * n - 0.125) / (n + 0.25))
  (b - a) / theta1 + (q3 - q1) / theta2
}
conv <- list()
for (n in c(3, 5, 10, 27, 50, 51, 120, 201, 202, 400)) {
  a <- 1.2; q1 <- 3.1; m <- 4.4; q3 <- 6.0; b <- 11.5
  conv[[length(conv) + 1]] <- list(
    n = n, minimum = a, q1 = q1, median = m, q3 = q3, maximum = b,
    S1 = list(luo_mean = luo_s1(n, a, m, b), wan_mean = (a + 2 * m + b) / 4,
              sd = (b - a) / xi_n(n)),
    S2 = list(luo_mean = luo_s2(n, q1, m, q3), wan_mean = (q1 + m + q3) / 3,
              sd = (q3 - q1) / eta_n(n)),
    S3 = list(luo_mean = luo_s3(n, a, q1, m, q3, b),
              wan_mean = (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8,
              wan_sd = 0.5 * ((b - a) / xi_n(n) + (q3 - q1) / eta_n(n)),
              shi_sd = shi_s3(n, a, q1, q3, b)))
}

# ---------------------------------------------------------------------------------------
# 5. rma.glmm (measure PLO): the common-effect model (glm, tightened), moderators, and
#    subgroups. lme4 is tightened as in glmm_reference.R. Subgroups: separate fits and
#    the test of subgroup differences of meta's metaprop(method = "GLMM", subgroup =):
#    Cochran's Q of the subgroup estimates with inverse-variance weights, G - 1 df
#    (Borenstein et al. 2009, Introduction to Meta-Analysis, ch. 19).
# ---------------------------------------------------------------------------------------
tight <- list(
  optimizer = "bobyqa",
  optCtrl = list(rhobeg = 0.02, rhoend = 1e-12, maxfun = 1e5),
  tolPwrss = 1e-11,
  boundary.tol = 0,
  check.conv.grad = .makeCC("ignore", tol = 1e-3)
)
ctrl <- list(glmerCtrl = tight, glmCtrl = list(epsilon = 1e-14, maxit = 200))

glmm_fields <- function(res) {
  pr <- if (res$p == 1) predict(res) else list(pi.lb = NA, pi.ub = NA)
  list(k = res$k, p = res$p, beta = unname(c(res$beta)), se = unname(res$se),
       zval = unname(res$zval), pval = unname(res$pval), ci_lb = unname(res$ci.lb),
       ci_ub = unname(res$ci.ub), tau2 = res$tau2, I2 = res$I2, H2 = res$H2, vt = res$vt,
       QE_wald = res$QE.Wld, QE_wald_p = res$QEp.Wld, QE_lrt = res$QE.LRT,
       QE_lrt_p = res$QEp.LRT, QE_df = res$QE.df, QM = num(res$QM), QM_p = num(res$QMp),
       QM_df = num(res$QMdf[1]), pi_lb = num(pr$pi.lb), pi_ub = num(pr$pi.ub),
       loglik = num(logLik(res)))
}

deb <- dat.debruin2009
glmm <- list()
one <- function(name, xi, ni, method, mods = NULL, modsname = NULL) {
  res <- if (is.null(mods)) {
    rma.glmm(measure = "PLO", xi = xi, ni = ni, method = method, control = ctrl)
  } else {
    rma.glmm(measure = "PLO", xi = xi, ni = ni, mods = mods, method = method,
             control = ctrl)
  }
  c(list(name = name, method = method, xi = xi, ni = ni,
         mods = if (is.null(mods)) NA else mods),
    glmm_fields(res))
}
glmm[[1]] <- one("pritz1997", dat.pritz1997$xi, dat.pritz1997$ni, "FE")
glmm[[2]] <- one("debruin2009", deb$xi, deb$ni, "FE")
glmm[[3]] <- one("nielweise2007_treated", dat.nielweise2007$ai, dat.nielweise2007$n1i, "FE")
glmm[[4]] <- one("debruin2009_scq", deb$xi, deb$ni, "FE", mods = deb$scq)
glmm[[5]] <- one("debruin2009_scq", deb$xi, deb$ni, "ML", mods = deb$scq)
# A factor given as mods would enter as its integer codes; the dummy is what is meant.
starting <- as.numeric(deb$patients == "starting")
glmm[[6]] <- one("debruin2009_patients", deb$xi, deb$ni, "FE", mods = starting)
glmm[[7]] <- one("debruin2009_patients", deb$xi, deb$ni, "ML", mods = starting)

subgroups <- list()
for (method in c("ML", "FE")) {
  groups <- list()
  est <- se <- c()
  for (g in sort(unique(deb$patients))) {
    d <- deb[deb$patients == g, ]
    res <- rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni, method = method, control = ctrl)
    groups[[g]] <- glmm_fields(res)
    est <- c(est, c(res$beta)); se <- c(se, res$se)
  }
  w <- 1 / se^2
  Qb <- sum(w * (est - sum(w * est) / sum(w))^2)
  subgroups[[length(subgroups) + 1]] <- list(
    name = "debruin2009_patients", method = method, xi = deb$xi, ni = deb$ni,
    groups_of_studies = as.character(deb$patients), groups = groups,
    Q_between = Qb, Q_between_df = length(est) - 1,
    Q_between_p = pchisq(Qb, length(est) - 1, lower.tail = FALSE))
}

meta <- list(R = R.version.string, metafor = as.character(packageVersion("metafor")),
             lme4 = as.character(packageVersion("lme4")),
             metadat = as.character(packageVersion("metadat")))
writeLines(toJSON(list(versions = meta, i2q = i2q, i2q_mods = i2q_mods, pis = pis,
                       proportions = props,
                       wan = list(xi_exact = xi_exact, eta_exact = eta_exact,
                                  table1 = wan_t1, table2 = wan_t2, conversions = conv),
                       glmm = glmm, glmm_subgroups = subgroups),
                  digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null"),
           "tests/analysis/r/meta_conventions_reference.json")
