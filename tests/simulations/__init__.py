"""Size and coverage simulations: small runs are imported by the tests, large runs are scripts."""
