# Times metafor on the data written by bench/bench_meta.py; prints one JSON object.
#   Rscript bench/bench_meta.R big.csv small.csv runs [mh.csv confint.csv cumul.csv]
# The optional files (2x2 tables; yi/vi for confint and for cumul) add rma.mh, confint
# and cumul.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
big <- read.csv(args[1])
small <- read.csv(args[2])
runs <- as.integer(args[3])

time_it <- function(f) {
  times <- numeric(runs)
  for (i in seq_len(runs)) {
    start <- proc.time()[["elapsed"]]
    f()
    times[i] <- proc.time()[["elapsed"]] - start
  }
  median(times)
}

fit_small <- rma(small$yi, small$vi, method = "REML")
res <- list(
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  rma_reml_big = time_it(function() rma(big$yi, big$vi, method = "REML")),
  influence_small = time_it(function() influence(fit_small)),
  leave1out_small = time_it(function() leave1out(fit_small)),
  tau2_big = rma(big$yi, big$vi, method = "REML")$tau2
)
if (length(args) >= 6) {
  mh <- read.csv(args[4])
  conf <- read.csv(args[5])
  cum <- read.csv(args[6])
  fit_conf <- rma(conf$yi, conf$vi, method = "REML")
  fit_cum <- rma(cum$yi, cum$vi, method = "REML")
  fit_cum_dl <- rma(cum$yi, cum$vi, method = "DL")
  mh_fit <- function() rma.mh(ai = mh$ai, n1i = mh$n1i, ci = mh$ci, n2i = mh$n2i, measure = "OR")
  res$rma_mh_big <- time_it(mh_fit)
  res$confint_big <- time_it(function() confint(fit_conf))
  res$cumul_reml_big <- time_it(function() cumul(fit_cum))
  res$cumul_dl_big <- time_it(function() cumul(fit_cum_dl))
  res$mh_big <- as.numeric(mh_fit()$beta)
  res$confint_ub <- confint(fit_conf)$random[1, 3]
  res$cumul_last <- tail(cumul(fit_cum)$estimate, 1)
}
cat(toJSON(res, auto_unbox = TRUE, digits = NA))
