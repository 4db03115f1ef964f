-- Exact sample quantile, Hyndman & Fan (1996) type 7: linear interpolation between order
-- statistics at h = (n − 1)·p + 1 — the R/numpy default and what percentile_cont returns
-- (Athena has no percentile_cont; approx_percentile is not exact). The median of an even
-- count is the mean of the two middle values.
-- Use as an aggregate over rows numbered rn = 1..n by value within the group:
--   row_number() OVER (PARTITION BY g ORDER BY v) AS rn, count(*) OVER (PARTITION BY g) AS n
--   ... quantile_type7(v, rn, n, 0.5E0) ... GROUP BY g
-- Pass p as a DOUBLE literal (0.25E0, 0.5E0, 0.75E0). NULL for an empty group.
--
-- macro: quantile_type7(value, rn, n, p)
sum(CASE
  WHEN rn = floor((n - 1) * p) + 1 THEN CAST(value AS DOUBLE) * (1E0 - ((n - 1) * p - floor((n - 1) * p)))
  WHEN rn = floor((n - 1) * p) + 2 THEN CAST(value AS DOUBLE) * ((n - 1) * p - floor((n - 1) * p))
  ELSE 0E0
END)
-- end macro
