# Reference values for raked CSAT / NPS scores: R's survey package (calibrate with calfun = "raking", and rake).
# Run from tests/reference:  Rscript raking.R   (reads raking_population.csv, writes raking_reference.csv,
# raking_weights.csv and raking_rindicator.csv)
# Debian: apt-get install r-base-core r-cran-survey
suppressMessages(library(survey))
pop <- read.csv("raking_population.csv", stringsAsFactors = TRUE)
resp <- subset(pop, responded == 1)
resp$row <- seq_len(nrow(resp))
resp$month <- substr(as.character(resp$date), 1, 7)
resp$csat_top <- as.numeric(resp$csat >= 4)
resp$nps_ok <- !is.na(resp$nps)
resp$nps_code <- ifelse(is.na(resp$nps), 0, ifelse(resp$nps >= 9, 1, ifelse(resp$nps <= 6, -1, 0)))
des <- svydesign(ids = ~1, weights = ~1, data = resp)
f <- ~contract + tenure_band + region
totals <- colSums(model.matrix(f, pop))
cal <- calibrate(des, f, population = totals, calfun = "raking", epsilon = 1e-13, maxit = 500)
rk <- rake(des, list(~contract, ~tenure_band, ~region),
           list(as.data.frame(table(contract = pop$contract)), as.data.frame(table(tenure_band = pop$tenure_band)),
                as.data.frame(table(region = pop$region))),
           control = list(maxit = 500, epsilon = 1e-13, verbose = FALSE))
# initial (design) weights that differ between respondents: pro-plan respondents start at 2
resp$base <- ifelse(resp$plan == "pro", 2, 1)
calb <- calibrate(svydesign(ids = ~1, weights = ~base, data = resp), f, population = totals, calfun = "raking",
                  epsilon = 1e-13, maxit = 500)
write.csv(data.frame(customer_id = resp$customer_id, w_calibrate = weights(cal), w_rake = weights(rk),
                     w_base = weights(calb)),
          "raking_weights.csv", row.names = FALSE)

rows <- list()
add <- function(design, quantity, by, group, est, se) {
  rows[[length(rows) + 1]] <<- data.frame(design = design, quantity = quantity, by = by, group = group,
                                          estimate = as.numeric(est), se = as.numeric(se))
}
scale <- c(csat = 100, csat_mean = 1, nps = 100)
vars <- list(csat = ~csat_top, csat_mean = ~csat, nps = ~nps_code)
for (dname in c("calibrate", "rake", "calibrate_base")) {
  d <- if (dname == "calibrate") cal else if (dname == "rake") rk else calb
  for (q in names(vars)) {
    dd <- if (q == "nps") subset(d, nps_ok) else d
    e <- svymean(vars[[q]], dd)
    add(dname, q, "all", "all", scale[[q]] * coef(e), scale[[q]] * SE(e))
    for (b in c("plan", "contract", "month")) {
      e <- svyby(vars[[q]], as.formula(paste0("~", b)), dd, svymean)
      add(dname, q, b, as.character(e[[b]]), scale[[q]] * coef(e), scale[[q]] * SE(e))
      if (dname == "calibrate") {
        # differences between domains (every level against the first): svyby(covmat = TRUE) fails on calibrated
        # designs in survey 4.1, so the ratio of domain totals is linearized by svycontrast on the whole design
        lv <- as.character(e[[b]])
        y <- if (q == "csat") resp$csat_top else if (q == "csat_mean") resp$csat else resp$nps_code
        ok <- if (q == "nps") resp$nps_ok else rep(TRUE, nrow(resp))
        for (i in seq_along(lv)[-1]) {
          inA <- as.numeric(resp[[b]] == lv[i] & ok); inB <- as.numeric(resp[[b]] == lv[1] & ok)
          dz <- update(d, yA = y * inA, nA = inA, yB = y * inB, nB = inB)
          tot <- svytotal(~yA + nA + yB + nB, dz)
          con <- svycontrast(tot, quote(yA / nA - yB / nB))
          add(dname, q, paste0(b, "_diff"), paste0(lv[i], " - ", lv[1]), scale[[q]] * coef(con),
              scale[[q]] * SE(con))
        }
      }
    }
  }
}
out <- do.call(rbind, rows)
write.csv(out, "raking_reference.csv", row.names = FALSE)
print(out[out$design == "calibrate" & out$by == "all", ])

# R-indicator (Schouten, Cobben & Bethlehem 2009): 1 - 2 sd(propensities), logistic model on the margins
fit <- glm(responded ~ contract + tenure_band + region, family = binomial, data = pop)
rho <- fitted(fit)
write.csv(data.frame(r_indicator = 1 - 2 * sd(rho), rho_min = min(rho), rho_max = max(rho)),
          "raking_rindicator.csv", row.names = FALSE)
cat("R-indicator", 1 - 2 * sd(rho), "\n")
