-- Fragment: the two retention curves per scope, shared by retention and retention-summary.
-- Needs the params CTE of lib/episode-outcomes.sql (included here). Defines `curve`:
-- one row per scope, estimand and distinct time (day) at which any episode ends or is
-- censored, with at_risk, events, competing, censored, estimate and se (standard error).
--   estimand 'in_treatment'    — Kaplan–Meier, event = any end of treatment.
--     Ŝ(t) = Π (1 − d_j/n_j); Greenwood: se = Ŝ·sqrt(Σ d_j/(n_j(n_j − d_j))).
--   estimand 'not_dropped_out' — 1 − F(t), F = Aalen–Johansen cumulative incidence of
--     dropout with completion/transfer/death competing:
--     F(t) = Σ Ŝ(t_{j−1})·d1_j/n_j; delta-method (Greenwood-type) variance (Collett 2015
--     §12.1; SAS LIFETEST):
--     Var F(t) = Σ (F(t) − F(t_j))²·d_j/(n_j(n_j − d_j)) + Σ Ŝ(t_{j−1})²·d1_j(n_j − d1_j)/n_j³
--                − 2 Σ (F(t) − F(t_j))·Ŝ(t_{j−1})·d1_j/n_j²
--     (the squares are expanded into running sums so one window pass computes them).
-- Ties: n_j counts every episode with time ≥ t_j, so censorings at t_j are still at risk
-- when the events at t_j happen (events before censorings).
-- include: lib/episode-outcomes.sql
time_counts AS (
  SELECT
    scope,
    time_day AS day,
    count(*) AS leaving,
    sum(CASE WHEN outcome <> 'active' THEN 1 ELSE 0 END) AS events,
    sum(CASE WHEN outcome = 'dropout' THEN 1 ELSE 0 END) AS dropouts,
    sum(CASE WHEN outcome = 'active' THEN 1 ELSE 0 END) AS censored
  FROM scoped
  GROUP BY scope, time_day
),
risk_sets AS (
  SELECT
    t.*,
    sum(leaving) OVER (PARTITION BY scope ORDER BY day DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_risk
  FROM time_counts t
),
km_sums AS (
  SELECT
    r.*,
    sum(CASE WHEN events = at_risk THEN 1 ELSE 0 END)
      OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS exhausted,
    sum(CASE WHEN events < at_risk THEN ln(1E0 - CAST(events AS DOUBLE) / at_risk) ELSE 0E0 END)
      OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS log_survival,
    sum(CASE WHEN events < at_risk THEN CAST(events AS DOUBLE) / (CAST(at_risk AS DOUBLE) * (at_risk - events)) ELSE 0E0 END)
      OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS greenwood_sum
  FROM risk_sets r
),
km AS (
  SELECT
    k.*,
    CASE WHEN exhausted > 0 THEN 0E0 ELSE exp(log_survival) END AS survival
  FROM km_sums k
),
aj_terms AS (
  SELECT
    k.*,
    lag(survival, 1, 1E0) OVER (PARTITION BY scope ORDER BY day) AS survival_before,
    CASE WHEN events < at_risk THEN CAST(events AS DOUBLE) / (CAST(at_risk AS DOUBLE) * (at_risk - events)) ELSE 0E0 END AS a_j
  FROM km k
),
aj_increments AS (
  SELECT
    t.*,
    sum(survival_before * dropouts / CAST(at_risk AS DOUBLE))
      OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cif
  FROM aj_terms t
),
aj_sums AS (
  SELECT
    i.*,
    sum(a_j) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_a,
    sum(cif * a_j) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_fa,
    sum(cif * cif * a_j) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_ffa,
    sum(survival_before * survival_before * dropouts * (at_risk - dropouts) / power(CAST(at_risk AS DOUBLE), 3)) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_b,
    sum(survival_before * dropouts / power(CAST(at_risk AS DOUBLE), 2)) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_c,
    sum(cif * survival_before * dropouts / power(CAST(at_risk AS DOUBLE), 2)) OVER (PARTITION BY scope ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sum_fc
  FROM aj_increments i
),
curve AS (
  SELECT
    scope,
    'in_treatment' AS estimand,
    day,
    at_risk,
    events,
    CAST(NULL AS BIGINT) AS competing,
    censored,
    survival AS estimate,
    CASE WHEN survival > 0E0 THEN survival * sqrt(greenwood_sum) END AS se
  FROM km
  UNION ALL
  SELECT
    scope,
    'not_dropped_out' AS estimand,
    day,
    at_risk,
    dropouts AS events,
    events - dropouts AS competing,
    censored,
    1E0 - cif AS estimate,
    sqrt(greatest(0E0,
      cif * cif * sum_a - 2E0 * cif * sum_fa + sum_ffa
      + sum_b
      - 2E0 * (cif * sum_c - sum_fc))) AS se
  FROM aj_sums
),
