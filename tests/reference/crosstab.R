# Reference p-values for crosstab() significance letters, computed in R independently of the package.
# Run from tests/reference:  Rscript crosstab.R   (writes crosstab_reference.csv). Debian: r-base-core, r-cran-readxl.
#
# Data: the bundled sample (../../data/sample_responses.csv, as data/sample_schema.yml maps it) and the
# British Airways reviews export (../../../shared/realdata/ba_airline_reviews, as tests/schemas/ba_airline_reviews.yml
# maps it: OverallRating 1-10, top box 9-10); the BA rows are skipped when that folder is absent.
# For each metric x banner x pair of levels (both with answers):
#   top-box shares  prop.test(c(x1, x2), c(n1, n2), correct = FALSE)$p.value   (pooled two-proportion z)
#   means           t.test(a, b)$p.value                                      (Welch)
#   NPS             z = (A1 - A2) / sqrt(V1/n1' + V2/n2'), Rocks (2016) adjusted values (SPEC.md), two-sided normal p
# Weighted ("sample_weighted": weight column), on Kish effective bases ne = (sum w)^2 / sum w^2:
#   shares          prop.test(c(p1 ne1, p2 ne2), c(ne1, ne2), correct = FALSE)
#   means           Welch t with weighted means, s^2 = sum w (x - m)^2 / sum w * ne / (ne - 1), df Welch-Satterthwaite on ne
#   NPS             Rocks's test at n = ne with weighted promoter and detractor shares
# p_holm and p_bh: p.adjust within each data set x metric x banner.

sample <- read.csv("../../data/sample_responses.csv", na.strings = c("", "NA", "N/A"), stringsAsFactors = FALSE)
sample <- data.frame(csat = sample$satisfaction, nps = sample$likelihood_to_recommend, ces = sample$effort,
                     weight = sample$weight, region = sample$region, channel = sample$channel, plan = sample$plan)
sets <- list(
  list(name = "sample", data = sample, banner = c("region", "channel", "plan"), weighted = FALSE,
       metrics = list(csat = c("csat", "share", 4), csat_mean = c("csat", "mean", NA), nps = c("nps", "nps", NA),
                      ces = c("ces", "mean", NA), ces_top = c("ces", "share", 5))),
  list(name = "sample_weighted", data = sample, banner = c("region", "channel", "plan"), weighted = TRUE,
       metrics = list(csat = c("csat", "share", 4), csat_mean = c("csat", "mean", NA), nps = c("nps", "nps", NA),
                      ces = c("ces", "mean", NA), ces_top = c("ces", "share", 5)))
)
ba_path <- "../../../shared/realdata/ba_airline_reviews/BA_AirlineReviews.csv"
if (file.exists(ba_path)) {
  ba <- read.csv(ba_path, na.strings = c("", "NA", "N/A"), stringsAsFactors = FALSE, encoding = "UTF-8")
  ba <- data.frame(csat = ba$OverallRating, TypeOfTraveller = ba$TypeOfTraveller, SeatType = ba$SeatType,
                   Recommended = ba$Recommended)
  ba <- ba[!is.na(ba$csat), ]
  sets[[length(sets) + 1]] <- list(name = "ba_airline_reviews", data = ba, weighted = FALSE,
    banner = c("TypeOfTraveller", "SeatType", "Recommended"),
    metrics = list(csat = c("csat", "share", 9), csat_mean = c("csat", "mean", NA)))
}

wmean <- function(x, w) sum(w * x) / sum(w)
neff <- function(w) sum(w)^2 / sum(w^2)

rocks <- function(p, d, n) {  # adjusted value, variance and n' (SPEC.md)
  na <- n + 3; pa <- (p * n + 0.75) / na; da <- (d * n + 0.75) / na
  list(a = 100 * (pa - da), v = 100^2 * (pa + da - (pa - da)^2), n = na)
}

score_of <- function(x, w, kind, top) {
  if (kind == "share") return(100 * wmean(as.numeric(x >= top), w))
  if (kind == "mean") return(wmean(x, w))
  100 * (wmean(as.numeric(x >= 9), w) - wmean(as.numeric(x <= 6), w))
}

test_pair <- function(x1, w1, x2, w2, kind, top, weighted) {
  if (kind == "share") {
    if (!weighted) return(prop.test(c(sum(x1 >= top), sum(x2 >= top)), c(length(x1), length(x2)),
                                     correct = FALSE)$p.value)
    n1 <- neff(w1); n2 <- neff(w2)
    p1 <- wmean(as.numeric(x1 >= top), w1); p2 <- wmean(as.numeric(x2 >= top), w2)
    return(suppressWarnings(prop.test(c(p1 * n1, p2 * n2), c(n1, n2), correct = FALSE))$p.value)
  }
  if (kind == "mean") {
    if (!weighted) return(t.test(x1, x2)$p.value)
    n1 <- neff(w1); n2 <- neff(w2); m1 <- wmean(x1, w1); m2 <- wmean(x2, w2)
    v1 <- wmean((x1 - m1)^2, w1) * n1 / (n1 - 1); v2 <- wmean((x2 - m2)^2, w2) * n2 / (n2 - 1)
    q1 <- v1 / n1; q2 <- v2 / n2
    df <- (q1 + q2)^2 / (q1^2 / (n1 - 1) + q2^2 / (n2 - 1))
    return(2 * pt(-abs((m1 - m2) / sqrt(q1 + q2)), df))
  }
  n1 <- if (weighted) neff(w1) else length(x1); n2 <- if (weighted) neff(w2) else length(x2)
  r1 <- rocks(wmean(as.numeric(x1 >= 9), w1), wmean(as.numeric(x1 <= 6), w1), n1)
  r2 <- rocks(wmean(as.numeric(x2 >= 9), w2), wmean(as.numeric(x2 <= 6), w2), n2)
  2 * pnorm(-abs((r1$a - r2$a) / sqrt(r1$v / r1$n + r2$v / r2$n)))
}

rows <- list()
for (s in sets) {
  d <- s$data
  w_all <- if (s$weighted) d$weight else rep(1, nrow(d))
  for (metric in names(s$metrics)) {
    spec <- s$metrics[[metric]]; col <- spec[1]; kind <- spec[2]; top <- as.numeric(spec[3])
    for (b in s$banner) {
      ok <- !is.na(d[[col]]) & !is.na(d[[b]])
      levels <- sort(unique(d[[b]][ok]), method = "radix")
      block <- list()
      for (i in seq_along(levels)) for (j in seq_along(levels)) if (i < j) {
        a <- ok & d[[b]] == levels[i]; c2 <- ok & d[[b]] == levels[j]
        x1 <- d[[col]][a]; x2 <- d[[col]][c2]; w1 <- w_all[a]; w2 <- w_all[c2]
        block[[length(block) + 1]] <- data.frame(
          dataset = s$name, metric = metric, banner = b, level = levels[i], other = levels[j],
          n = length(x1), n_other = length(x2),
          n_eff = neff(w1), n_eff_other = neff(w2),
          score = score_of(x1, w1, kind, top), score_other = score_of(x2, w2, kind, top),
          p = test_pair(x1, w1, x2, w2, kind, top, s$weighted))
      }
      block <- do.call(rbind, block)
      block$p_holm <- p.adjust(block$p, "holm")
      block$p_bh <- p.adjust(block$p, "BH")
      rows[[length(rows) + 1]] <- block
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, "crosstab_reference.csv", row.names = FALSE)
cat(nrow(out), "pairs written to crosstab_reference.csv\n")
