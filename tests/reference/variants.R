# Reference values for campaign_effect() with a text campaign column (variants against a control):
# lm + sandwich HC1 per variant, t(n - k) p-values, Holm adjustment, joint Wald F test with the HC1 covariance.
# Data from make_variants_data.py. Run from tests/reference:  Rscript variants.R  (writes variants_reference.csv)
# Debian: apt-get install r-base-core r-cran-sandwich
library(sandwich)
# "None" is the control's label, not a missing value (read.csv's na.strings is "NA" only)
d <- read.csv("variants_data.csv", check.names = FALSE, stringsAsFactors = FALSE)
stopifnot(!anyNA(d$offer), "None" %in% d$offer)
d$offer <- factor(d$offer, levels = c("None", "Offer A", "Offer B", "Offer C"))
d$plan_type <- factor(d[["Plan type"]])
d$csat_top <- ifelse(is.na(d$csat), NA, 100 * (d$csat >= 4))
d$nps_code <- ifelse(is.na(d$nps), NA, ifelse(d$nps >= 9, 100, ifelse(d$nps <= 6, -100, 0)))
out <- list()

variants <- function(outcome) {
    fit <- lm(reformulate(c("offer", "plan_type", "tenure"), response = outcome), data = d)  # lm drops missing rows
    V <- vcovHC(fit, type = "HC1")
    terms <- paste0("offer", levels(d$offer)[-1])
    b <- coef(fit)[terms]
    se <- sqrt(diag(V)[terms])
    df <- df.residual(fit)
    p <- 2 * pt(abs(b / se), df, lower.tail = FALSE)
    # joint Wald test that every variant coefficient is zero: F = b' V^-1 b / q on (q, n - k)
    q <- length(terms)
    F <- as.numeric(t(b) %*% solve(V[terms, terms], b)) / q
    rbind(
        data.frame(outcome = outcome, quantity = levels(d$offer)[-1], estimate = unname(b), se = unname(se),
                   p = unname(p), p_adj = p.adjust(p, method = "holm"), df1 = NA, df2 = df, n = nobs(fit)),
        data.frame(outcome = outcome, quantity = "joint", estimate = F, se = NA,
                   p = pf(F, q, df, lower.tail = FALSE), p_adj = NA, df1 = q, df2 = df, n = nobs(fit)))
}
res <- rbind(variants("csat_top"), variants("nps_code"))
write.csv(res, "variants_reference.csv", row.names = FALSE)
print(res, digits = 12)
