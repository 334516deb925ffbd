"""bench/visits: the daily return-visit generation over the synthetic 3M-client brokerage."""
