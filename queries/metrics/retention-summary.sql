-- Retention summary: retention at 30, 60 and 90 days for both estimands with 95% CIs,
-- median time in treatment ("not reached" when the curve stays above 0.5), and naive
-- percentages over fully observed admissions only. One row per scope, estimand, day.
--
-- Definition (METRICS.md §1; DOMAIN-RESEARCH.md §1.3; docs/adr/0051, 0052):
--   estimate: the retention curve of retention.sql (same fragment, lib/retention-curve.sql)
--     read as a step function at the day: the last curve row on or before it (1 before
--     the first row). in_treatment = Kaplan–Meier Ŝ(d) (any end is an event);
--     not_dropped_out = 1 − Aalen–Johansen cumulative incidence of dropout at d.
--     NULL when the day lies beyond the longest observed time while episodes were still
--     in treatment there (the curve is not estimable past the last observation).
--   ci_lower / ci_upper: 95%, log-log unless ci_transform = 'log' (lib/survival-ci.sql).
--   at_risk: episodes still observed at the day (time ≥ day).
--   median_days: smallest curve day with estimate ≤ 0.5 (compared with a 1e-12 tolerance
--     for floating-point products); median_status 'reached', 'not reached' or 'no data'.
--   naive: numerator naive_retained = fully observed admissions whose end (any end for
--     in_treatment, dropout for not_dropped_out) did not come on or before the day;
--     denominator naive_eligible = admissions at least `day` days before as_of (never
--     admissions younger than the day); Wilson 95% interval (lib/wilson.sql).
--   The days 30, 60 and 90 are part of the definition (DATOS: ≥ 3 months predicts outcome).
-- Missing data: as retention.sql; an open episode active at as_of counts as retained.
-- Source: Simpson et al. 1997 (DATOS); Kaplan & Meier 1958; Aalen & Johansen 1978.
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
),
horizons AS (
  SELECT horizon FROM (VALUES (30), (60), (90)) AS h(horizon)
),
estimands AS (
  SELECT estimand FROM (VALUES ('in_treatment'), ('not_dropped_out')) AS e(estimand)
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT scope FROM scoped
),
scope_facts AS (
  SELECT s.scope, count(o.episode_id) AS episodes, max(o.time_day) AS max_time
  FROM scopes s
  LEFT JOIN scoped o ON o.scope = s.scope
  GROUP BY s.scope
),
grid AS (
  SELECT s.scope, e.estimand, h.horizon
  FROM scopes s
  CROSS JOIN estimands e
  CROSS JOIN horizons h
),
curve_day_at AS (
  SELECT g.scope, g.estimand, g.horizon, max(c.day) AS curve_day
  FROM grid g
  LEFT JOIN curve c
    ON c.scope = g.scope
    AND c.estimand = g.estimand
    AND c.day <= g.horizon
  GROUP BY g.scope, g.estimand, g.horizon
),
last_in_treatment AS (
  SELECT c.scope, c.estimate AS survival_at_end
  FROM curve c
  JOIN scope_facts f ON f.scope = c.scope AND c.day = f.max_time
  WHERE c.estimand = 'in_treatment'
),
at_horizon AS (
  SELECT
    d.scope,
    d.estimand,
    d.horizon,
    f.episodes,
    CASE
      WHEN f.episodes = 0 THEN NULL
      WHEN d.horizon > f.max_time AND l.survival_at_end > 0E0 THEN NULL
      WHEN d.curve_day IS NULL THEN 1E0
      ELSE c.estimate
    END AS estimate,
    CASE
      WHEN f.episodes = 0 THEN NULL
      WHEN d.horizon > f.max_time AND l.survival_at_end > 0E0 THEN NULL
      WHEN d.curve_day IS NULL THEN 0E0
      ELSE c.se
    END AS se
  FROM curve_day_at d
  JOIN scope_facts f ON f.scope = d.scope
  LEFT JOIN last_in_treatment l ON l.scope = d.scope
  LEFT JOIN curve c ON c.scope = d.scope AND c.estimand = d.estimand AND c.day = d.curve_day
),
at_risk_at_horizon AS (
  SELECT g.scope, g.estimand, g.horizon, count(o.episode_id) AS at_risk
  FROM grid g
  LEFT JOIN scoped o ON o.scope = g.scope AND o.time_day >= g.horizon
  GROUP BY g.scope, g.estimand, g.horizon
),
naive AS (
  SELECT
    g.scope,
    g.estimand,
    g.horizon,
    count(o.episode_id) AS naive_eligible,
    sum(CASE
      WHEN o.episode_id IS NULL THEN 0
      WHEN o.time_day <= g.horizon
        AND ((g.estimand = 'in_treatment' AND o.outcome <> 'active') OR (g.estimand = 'not_dropped_out' AND o.outcome = 'dropout'))
        THEN 0
      ELSE 1
    END) AS naive_retained
  FROM grid g
  CROSS JOIN params p
  LEFT JOIN scoped o
    ON o.scope = g.scope
    AND date_diff('day', o.admission_date, p.as_of) >= g.horizon
  GROUP BY g.scope, g.estimand, g.horizon
),
medians AS (
  SELECT
    e.scope,
    e.estimand,
    min(CASE WHEN c.estimate <= 0.5E0 + 1E-12 THEN c.day END) AS median_days
  FROM (SELECT s.scope, m.estimand FROM scopes s CROSS JOIN estimands m) e
  LEFT JOIN curve c ON c.scope = e.scope AND c.estimand = e.estimand
  GROUP BY e.scope, e.estimand
)
SELECT
  h.scope,
  h.estimand,
  h.horizon AS day,
  h.episodes,
  r.at_risk,
  h.estimate,
  survival_ci_lower(h.estimate, h.se, t.name) AS ci_lower,
  survival_ci_upper(h.estimate, h.se, t.name) AS ci_upper,
  n.naive_eligible,
  n.naive_retained,
  CAST(n.naive_retained AS DOUBLE) / NULLIF(n.naive_eligible, 0) AS naive_rate,
  wilson_lower(n.naive_retained, n.naive_eligible) AS naive_ci_lower,
  wilson_upper(n.naive_retained, n.naive_eligible) AS naive_ci_upper,
  m.median_days,
  CASE
    WHEN h.episodes = 0 THEN 'no data'
    WHEN m.median_days IS NULL THEN 'not reached'
    ELSE 'reached'
  END AS median_status,
  t.name AS ci_transform
FROM at_horizon h
JOIN at_risk_at_horizon r ON r.scope = h.scope AND r.estimand = h.estimand AND r.horizon = h.horizon
JOIN naive n ON n.scope = h.scope AND n.estimand = h.estimand AND n.horizon = h.horizon
JOIN medians m ON m.scope = h.scope AND m.estimand = h.estimand
CROSS JOIN transform t
ORDER BY CASE WHEN h.scope = 'all' THEN 0 ELSE 1 END, h.scope, h.estimand, h.horizon
