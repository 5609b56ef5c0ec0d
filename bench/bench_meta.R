# Times metafor on the data written by bench/bench_meta.py; prints one JSON object.
#   Rscript bench/bench_meta.R big.csv small.csv runs
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
cat(toJSON(res, auto_unbox = TRUE, digits = NA))
