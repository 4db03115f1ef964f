-- Retention curves: "still in treatment" (Kaplan–Meier) and "not dropped out"
-- (1 − Aalen–Johansen cumulative incidence of dropout), one row per scope, estimand and
-- day at which an episode ended or was censored.
--
-- Definition (METRICS.md §1; DOMAIN-RESEARCH.md §1.3, §7.2; docs/adr/0051, 0052):
--   Time origin: admission (day 0). T = days to the last attended session (0 if none).
--   Dropout: discharge reason dropped_out / terminated / incarcerated / other, or no
--     discharge and more than inactivity_days days without an attended session at as_of
--     (SABG 30-day rule), dated at T.
--   in_treatment: event = any end of treatment (dropout, completion, transfer, death).
--   not_dropped_out: event = dropout; completion, transfer and death are competing
--     outcomes (never censored: that would overstate dropout).
--   Censored: open and active at as_of, censored at as_of − admission.
--   Ties: events before censorings at the same day.
-- Columns: at_risk n_j (time ≥ day), events d_j (dropouts for not_dropped_out),
--   competing (not_dropped_out only), censored, estimate, ci_lower, ci_upper (95%,
--   log-log transform unless ci_transform = 'log'; Greenwood variance for KM,
--   delta-method variance for AJ). CI is NULL where the transform is undefined
--   (estimate 0, or 1 under log-log). The curve starts at 1 before the first row.
-- Numerator / denominator: not a proportion; see docs/metrics.md for the estimators.
-- Missing data: sessions must be sent as attendance rows; an episode with no attended
--   session has T = 0. Facts dated after as_of are ignored.
-- Source: Kaplan & Meier 1958; Greenwood 1926; Aalen & Johansen 1978; Bewick, Cheek &
--   Ball 2004 (Crit Care 8:389) check values; SABG inactivity rule (OMB ICR 202111-0930-001).
--
-- @param as_of DATE: data cutoff; facts dated after it are ignored
-- @param clinic_id VARCHAR optional: one clinic (NULL = every clinic)
-- @param program_id VARCHAR optional: one program (NULL = every program)
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param inactivity_days INTEGER: days without an attended session that make an open episode a dropout
-- @param ci_transform VARCHAR optional: 'log-log' (default) or 'log'
WITH params AS (
  SELECT
    CAST(? AS DATE) AS as_of,
    CAST(? AS VARCHAR) AS clinic_id,
    CAST(? AS VARCHAR) AS program_id,
    CAST(? AS DATE) AS cohort_from,
    CAST(? AS DATE) AS cohort_to,
    CAST(? AS INTEGER) AS inactivity_days,
    CAST(? AS VARCHAR) AS ci_transform
),
-- include: lib/retention-curve.sql
transform AS (
  SELECT CASE WHEN ci_transform = 'log' THEN 'log' ELSE 'log-log' END AS name FROM params
)
SELECT
  c.scope,
  c.estimand,
  c.day,
  c.at_risk,
  c.events,
  c.competing,
  c.censored,
  c.estimate,
  survival_ci_lower(c.estimate, c.se, t.name) AS ci_lower,
  survival_ci_upper(c.estimate, c.se, t.name) AS ci_upper,
  t.name AS ci_transform
FROM curve c
CROSS JOIN transform t
ORDER BY CASE WHEN c.scope = 'all' THEN 0 ELSE 1 END, c.scope, c.estimand, c.day
