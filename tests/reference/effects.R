# Reference values for campaign_effect(): lm + sandwich, glm(binomial), MASS::polr, NeweyWest.
# Data from make_effects_data.py. Run from tests/reference:  Rscript effects.R  (writes effects_reference.csv)
# Debian: apt-get install r-base-core r-cran-sandwich r-cran-mass
library(sandwich)
library(MASS)
d <- read.csv("effects_data.csv")
out <- list()
add <- function(name, est, se) out[[length(out) + 1]] <<- data.frame(quantity = name, estimate = est, se = se)

# exposure design, linear probability model in pp, HC1 and clustered by region
fit <- lm(csat_top ~ spring_promo + region + channel, data = d)
add("lpm_hc1", coef(fit)["spring_promo"], sqrt(vcovHC(fit, type = "HC1")["spring_promo", "spring_promo"]))
add("lpm_cluster_plan", coef(fit)["spring_promo"],
    sqrt(vcovCL(fit, cluster = ~plan, type = "HC1")["spring_promo", "spring_promo"]))
# NPS coding, CES and CSAT means
dn <- d[!is.na(d$nps_code), ]
fit <- lm(nps_code ~ spring_promo + region + channel, data = dn)
add("nps_hc1", coef(fit)["spring_promo"], sqrt(vcovHC(fit, type = "HC1")["spring_promo", "spring_promo"]))
dc <- d[!is.na(d$ces), ]
fit <- lm(ces ~ spring_promo + region, data = dc)
add("ces_hc1", coef(fit)["spring_promo"], sqrt(vcovHC(fit, type = "HC1")["spring_promo", "spring_promo"]))
# logit (model-based and HC1-type sandwich errors)
fit <- glm(csat_top01 ~ spring_promo + region + channel, family = binomial, data = d)
add("logit_coef", coef(fit)["spring_promo"], sqrt(vcovHC(fit, type = "HC0")["spring_promo", "spring_promo"]))
# ordered logit on the 1-5 scale
# tight convergence: the default reltol (1e-8) stops about 1e-5 short of the optimum
fit <- polr(factor(csat) ~ spring_promo + region + channel, data = d, Hess = TRUE,
            control = list(reltol = 1e-15, maxit = 5000))
add("polr", coef(fit)["spring_promo"], sqrt(vcov(fit)["spring_promo", "spring_promo"]))
# difference in differences, region and month fixed effects, clustered by region
fit <- lm(csat_top ~ did + factor(region) + factor(period), data = d)
add("did_cluster_region", coef(fit)["did"], sqrt(vcovCL(fit, cluster = ~region, type = "HC1")["did", "did"]))
# interrupted time series with Newey-West errors (lag 2, no prewhitening, no adjustment)
s <- read.csv("its_series.csv")
fit <- lm(score ~ t + post + t_since, data = s)
V <- NeweyWest(fit, lag = 2, prewhite = FALSE, adjust = FALSE)
add("its_level", coef(fit)["post"], sqrt(V["post", "post"]))
add("its_slope", coef(fit)["t_since"], sqrt(V["t_since", "t_since"]))
res <- do.call(rbind, out)
write.csv(res, "effects_reference.csv", row.names = FALSE)
print(res, digits = 12)
