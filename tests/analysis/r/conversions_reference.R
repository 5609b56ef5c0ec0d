# Reference values for analysis/meta/conversions.py.
#
# No R package with these estimators (estmeansd, metaBLUE, meta) is available from Debian,
# so this is an independent transcription of the published formulas in base R, written
# from the papers rather than from the Python code:
#   Hozo et al. 2005, BMC Med Res Methodol 5:13, formulas 4 and 16 and the rules of thumb;
#   Wan et al. 2014, BMC Med Res Methodol 14:135, eqs. 9, 10, 12-15 (closed-form xi, eta);
#   Luo et al. 2018, Stat Methods Med Res 27:1785, eqs. 7, 11, 15;
#   Shi et al. 2020, Res Synth Methods 11:641, eq. 11 in its (theta1, theta2) form.
# Run from the repository root:
#   Rscript tests/analysis/r/conversions_reference.R
library(jsonlite)

cases <- data.frame(
  a  = c(1, 2, 0.5, 10, 3, 1, 12),
  q1 = c(3, 4, 2.0, 20, 4, 2, 30),
  m  = c(4.8, 5, 3.1, 31, 5, 2.5, 41),
  q3 = c(6, 7, 4.0, 45, 7, 4, 60),
  b  = c(9, 10, 8.0, 90, 12, 11, 150),
  n  = c(20, 50, 7, 120, 3, 15, 400)
)

xi  <- function(n) 2 * qnorm((n - 0.375) / (n + 0.25))
eta <- function(n) 2 * qnorm((0.75 * n - 0.125) / (n + 0.25))

out <- with(cases, {
  hozo.mean <- (a + 2 * m + b) / 4 + (a - 2 * m + b) / (4 * n)
  hozo.var <- (a^2 + m^2 + b^2 + (n - 3) / 2 * ((a + m)^2 + (m + b)^2) / 4 -
                 n * hozo.mean^2) / (n - 1)
  hozo.sd <- sqrt(hozo.var)
  list(
    input = cases,
    hozo_mean = hozo.mean,
    hozo_sd = hozo.sd,
    hozo_rule_mean = ifelse(n <= 25, hozo.mean, m),
    hozo_rule_sd = ifelse(n <= 15, hozo.sd, ifelse(n <= 70, (b - a) / 4, (b - a) / 6)),
    wan_mean_s1 = (a + 2 * m + b) / 4,
    wan_mean_s2 = (q1 + m + q3) / 3,
    wan_mean_s3 = (a + 2 * q1 + 2 * m + 2 * q3 + b) / 8,
    wan_sd_s1 = (b - a) / xi(n),
    wan_sd_s2 = (q3 - q1) / eta(n),
    wan_sd_s3 = 0.5 * ((b - a) / xi(n) + (q3 - q1) / eta(n)),
    luo_mean_s1 = 4 / (4 + n^0.75) * (a + b) / 2 + n^0.75 / (4 + n^0.75) * m,
    luo_mean_s2 = (0.7 + 0.39 / n) * (q1 + q3) / 2 + (0.3 - 0.39 / n) * m,
    luo_mean_s3 = 2.2 / (2.2 + n^0.75) * (a + b) / 2 + (0.7 - 0.72 / n^0.55) * (q1 + q3) / 2 +
      (0.3 + 0.72 / n^0.55 - 2.2 / (2.2 + n^0.75)) * m,
    shi_sd_s3 = (b - a) / ((2 + 0.14 * n^0.6) * qnorm((n - 0.375) / (n + 0.25))) +
      (q3 - q1) / ((2 + 2 / (0.07 * n^0.6)) * qnorm((0.75 * n - 0.125) / (n + 0.25)))
  )
})
out$R_version <- R.version.string
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "tests/analysis/r/conversions_reference.json")
