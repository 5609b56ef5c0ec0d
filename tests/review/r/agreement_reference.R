# Reference values for review/agreement.py: Cohen's kappa and its 95% CI from R's psych
# (cohen.kappa, psych 2.2.9 from Debian's r-cran-psych), whose cohen.kappa1 sets a bound
# beyond +/-1 to +/-1 ("upper or lower confidence interval exceed abs(1) and set to +/- 1").
# PABAK and the prevalence and bias indices are Byrt, Bishop & Carlin (1993) on the same
# tables: psych has none of them, so they are the paper's formulas in base R.
# Tables are 2x2, rows rater A, columns rater B, first row/column "include".
# Run from the repository root:
#   Rscript tests/review/r/agreement_reference.R
library(psych)
library(jsonlite)

tables <- list(
  textbook       = c(20, 5, 10, 15),
  screening_high = c(22, 0, 3, 31),   # kappa 0.890, untruncated upper bound 1.010
  full_text_few  = c(2, 0, 1, 4),     # kappa 0.696, untruncated upper bound 1.222
  mostly_exclude = c(4, 6, 2, 188),
  disagreeing    = c(0, 5, 4, 1)      # kappa below 0; lower bound stays above -1
)

out <- lapply(tables, function(cells) {
  m <- matrix(cells, 2, 2, byrow = TRUE, dimnames = list(c("include", "exclude"), c("include", "exclude")))
  ck <- suppressWarnings(cohen.kappa(m, n.obs = sum(m)))
  n <- sum(m)
  po <- (m[1, 1] + m[2, 2]) / n
  list(
    cells = cells,
    kappa = ck$kappa,
    se = sqrt(ck$var.kappa),
    ci_low = ck$confid[1, "lower"],
    ci_high = ck$confid[1, "upper"],
    pabak = 2 * po - 1,
    prevalence_index = (m[1, 1] - m[2, 2]) / n,
    bias_index = (m[1, 2] - m[2, 1]) / n
  )
})

write_json(out, "tests/review/r/agreement_reference.json", auto_unbox = TRUE, digits = 15, pretty = TRUE)
