# Reference values for wild_cluster_bootstrap() / campaign_effect(cluster=, inference="wild"): CR1 errors and the
# wild cluster restricted (WCR) bootstrap p-value with Rademacher weights, all 2^12 = 4096 sign vectors enumerated
# (12 clusters), so the p-value is exact and needs no seed.  Implemented independently of effects.py's closed form:
# every bootstrap sample y* = X_r b_r + v_g u_r is refitted by least squares and scored with the CR1 t-statistic.
# Data from make_variants_data.py. Run from tests/reference:  Rscript wcr.R  (writes wcr_reference.csv)
# Debian: apt-get install r-base-core r-cran-sandwich
library(sandwich)
d <- read.csv("wcr_data.csv", stringsAsFactors = FALSE)
d$csat_top <- 100 * (d$csat >= 4)
fit <- lm(csat_top ~ promo + tenure, data = d)
X <- model.matrix(fit)
y <- d$csat_top
k <- which(colnames(X) == "promo")
g <- factor(d$store)
G <- nlevels(g)
N <- nrow(X)
K <- ncol(X)
stopifnot(G == 12)

# CR1: sandwich::vcovCL(type = "HC1", cadjust = TRUE), i.e. G/(G-1) * (N-1)/(N-K) times the CR0 sandwich
# (the factor effects.py uses); t and p against t(G - 1), as statsmodels' cluster fit with use_t=True
V <- vcovCL(fit, cluster = ~store, type = "HC1", cadjust = TRUE)
b_hat <- unname(coef(fit)["promo"])
se_cr1 <- sqrt(V["promo", "promo"])
t_cr1 <- b_hat / se_cr1
p_cr1 <- 2 * pt(abs(t_cr1), G - 1, lower.tail = FALSE)

# the same CR1 standard error by hand, used for every bootstrap sample
ssc <- G / (G - 1) * (N - 1) / (N - K)
XtXi <- solve(crossprod(X))
a <- drop(X %*% XtXi[, k])  # beta_k = sum_i a_i y_i
cr1_se <- function(e) sqrt(ssc * sum(rowsum(a * e, g)^2))  # e: residuals of the unrestricted fit
stopifnot(abs(cr1_se(residuals(fit)) - se_cr1) < 1e-10 * se_cr1)

# restricted fit under H0: beta_promo = 0
Xr <- X[, -k, drop = FALSE]
fit_r <- lm.fit(Xr, y)
fitted_r <- drop(Xr %*% fit_r$coefficients)
u_r <- fit_r$residuals

# all 2^G Rademacher sign vectors (one weight per cluster, in the order of levels(g))
S <- as.matrix(expand.grid(rep(list(c(-1, 1)), G)))
B <- nrow(S)
Ystar <- fitted_r + u_r * t(S[, as.integer(g), drop = FALSE])  # N x B
qx <- qr(X)
Bstar <- qr.coef(qx, Ystar)  # K x B
Estar <- Ystar - X %*% Bstar
se_star <- sqrt(ssc * colSums(rowsum(a * Estar, g)^2))
t_star <- Bstar[k, ] / se_star
# spot check: a few samples refitted with lm() and sandwich::vcovCL()
for (j in c(1, 777, 2049, B)) {
    dj <- transform(d, ystar = Ystar[, j])
    fj <- lm(ystar ~ promo + tenure, data = dj)
    tj <- coef(fj)["promo"] / sqrt(vcovCL(fj, cluster = ~store, type = "HC1", cadjust = TRUE)["promo", "promo"])
    stopifnot(abs(tj - t_star[j]) < 1e-8)
}

# symmetric two-sided p-value: the share of the 2^G vectors with |t*| at least |t|.  The all-(+1) and all-(-1)
# vectors reproduce |t| exactly (up to rounding), so ties are counted with a relative tolerance of 1e-9;
# p_strict counts only |t*| > |t| (fwildclusterboot's "two-tailed" rule mean(abs(t) < abs(t_boot))).
abs_t <- abs(t_cr1)
tol <- 1e-9 * max(1, abs_t)
p_wcr <- mean(abs(t_star) >= abs_t - tol)
p_strict <- mean(abs(t_star) > abs_t + tol)
n_ties <- sum(abs(abs(t_star) - abs_t) <= tol)
gap <- min(abs(abs(t_star) - abs_t)[abs(abs(t_star) - abs_t) > tol])  # nearest non-tied statistic
# equal-tailed p for comparison (not what effects.py reports)
p_equal <- 2 * min(mean(t_star <= t_cr1 + tol), mean(t_star >= t_cr1 - tol))

res <- data.frame(
    quantity = c("estimate", "se_cr1", "t_cr1", "p_cr1", "df_cr1", "clusters", "n", "reps",
                 "p_wcr", "p_wcr_strict", "ties", "nearest_gap", "p_wcr_equal_tailed"),
    value = c(b_hat, se_cr1, t_cr1, p_cr1, G - 1, G, N, B, p_wcr, p_strict, n_ties, gap, p_equal))
write.csv(res, "wcr_reference.csv", row.names = FALSE)
print(res, digits = 15)
