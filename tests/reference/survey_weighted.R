# Reference values for weighted CSAT / NPS / CES: R's survey package, weights-only design.
# Run from tests/reference:  Rscript survey_weighted.R   (writes survey_weighted.csv)
# Debian: apt-get install r-base-core r-cran-survey
library(survey)
d <- read.csv("weighted_scores.csv")
d$csat_top <- as.numeric(d$csat >= 4)
d$ces_top <- as.numeric(d$ces >= 5)
d$nps_code <- ifelse(d$nps >= 9, 100, ifelse(d$nps <= 6, -100, 0))
des <- svydesign(ids = ~1, weights = ~weight, data = d)
rows <- list()
add <- function(quantity, group, est) {
  rows[[length(rows) + 1]] <<- data.frame(quantity = quantity, group = group,
                                          estimate = as.numeric(coef(est)), r_se = as.numeric(SE(est)))
}
for (g in c("all", sort(unique(d$group)))) {
  sub <- if (g == "all") des else subset(des, group == g)
  add("csat", g, svymean(~csat_top, sub))
  add("csat_mean", g, svymean(~csat, sub))
  add("ces", g, svymean(~ces, sub))
  add("ces_top", g, svymean(~ces_top, sub))
  add("nps", g, svymean(~nps_code, subset(sub, !is.na(nps))))
}
out <- do.call(rbind, rows)
out$estimate[out$quantity %in% c("csat", "ces_top")] <- 100 * out$estimate[out$quantity %in% c("csat", "ces_top")]
write.csv(out, "survey_weighted.csv", row.names = FALSE)
print(out)
