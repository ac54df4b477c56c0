# Reference values for correlate(): R's cor.test on a fixed data set (pairwise complete rows).
# Run from tests/reference:  Rscript cor_test.R   (writes cor_test.csv). Debian: r-base-core.
# Spearman and Kendall with exact = FALSE: the scores have ties, so R's exact p-values do not apply.
d <- read.csv("weighted_scores.csv")
pairs <- list(c("csat", "nps"), c("csat", "ces"), c("nps", "ces"))
rows <- list()
for (pr in pairs) {
  x <- d[[pr[1]]]; y <- d[[pr[2]]]
  ok <- complete.cases(x, y)
  for (m in c("pearson", "spearman", "kendall")) {
    ct <- if (m == "pearson") cor.test(x[ok], y[ok], method = m) else
      suppressWarnings(cor.test(x[ok], y[ok], method = m, exact = FALSE))
    ci <- if (is.null(ct$conf.int)) c(NA, NA) else as.numeric(ct$conf.int)
    rows[[length(rows) + 1]] <- data.frame(x = pr[1], y = pr[2], method = m, n = sum(ok),
      r = as.numeric(ct$estimate), p = ct$p.value, ci_low = ci[1], ci_high = ci[2])
  }
}
out <- do.call(rbind, rows)
write.csv(out, "cor_test.csv", row.names = FALSE)
print(out, digits = 10)
