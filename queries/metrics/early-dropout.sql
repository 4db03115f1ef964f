-- Early dropout: no return after intake, dropout before day 30, and how many sessions
-- dropouts attended. One row per scope.
--
-- Definition (METRICS.md §1; DOMAIN-RESEARCH.md §1.4; docs/adr/0054):
--   eligible: admissions at least early_dropout_days (default 30) days before as_of, so
--     the first month is fully observed.
--   no_return: eligible episodes with exactly one attended session ("no return after
--     intake"); rate = no_return / eligible.
--   never_attended: eligible episodes with no attended session at all; rate likewise.
--   early_dropouts: eligible episodes whose outcome is dropout (recorded non-completion
--     or the inactivity rule, as in retention.sql) with T < early_dropout_days, T = days
--     from admission to the last attended session; rate = early_dropouts / eligible.
--   Every rate with a Wilson 95% interval (lib/wilson.sql).
--   sessions before dropout: attended sessions of every dropout episode in scope (all
--     admission ages); median and IQR as exact type-7 quantiles (lib/quantile.sql:
--     linear interpolation between order statistics, = R's default), plus the mean.
-- Missing data: sessions must be sent as attendance rows (no-shows included); an episode
--   without attendance rows has 0 attended sessions.
-- Source: Brorson et al. 2013 (Clin Psychol Rev 33:1010); alcohol outpatient attrition
--   study (immediate dropouts 17.5%); SABG 30-day inactivity rule.
--
-- @param as_of DATE: data cutoff; facts dated after it are ignored
-- @param clinic_id VARCHAR optional: one clinic (NULL = every clinic)
-- @param program_id VARCHAR optional: one program (NULL = every program)
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param inactivity_days INTEGER: days without an attended session that make an open episode a dropout
-- @param early_dropout_days INTEGER: early-dropout horizon in days; admissions younger than this are not counted
WITH params AS (
  SELECT
    CAST(? AS DATE) AS as_of,
    CAST(? AS VARCHAR) AS clinic_id,
    CAST(? AS VARCHAR) AS program_id,
    CAST(? AS DATE) AS cohort_from,
    CAST(? AS DATE) AS cohort_to,
    CAST(? AS INTEGER) AS inactivity_days,
    CAST(? AS INTEGER) AS early_dropout_days
),
-- include: lib/episode-outcomes.sql
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT scope FROM scoped
),
flags AS (
  SELECT
    o.scope,
    o.attended_sessions,
    o.outcome,
    CASE WHEN date_diff('day', o.admission_date, p.as_of) >= p.early_dropout_days THEN 1 ELSE 0 END AS eligible,
    CASE WHEN o.outcome = 'dropout' AND o.days_in_treatment < p.early_dropout_days THEN 1 ELSE 0 END AS early_dropout
  FROM scoped o
  CROSS JOIN params p
),
counts AS (
  SELECT
    s.scope,
    count(f.scope) AS admissions,
    COALESCE(sum(f.eligible), 0) AS eligible,
    COALESCE(sum(CASE WHEN f.eligible = 1 AND f.attended_sessions = 1 THEN 1 ELSE 0 END), 0) AS no_return,
    COALESCE(sum(CASE WHEN f.eligible = 1 AND f.attended_sessions = 0 THEN 1 ELSE 0 END), 0) AS never_attended,
    COALESCE(sum(CASE WHEN f.eligible = 1 AND f.early_dropout = 1 THEN 1 ELSE 0 END), 0) AS early_dropouts
  FROM scopes s
  LEFT JOIN flags f ON f.scope = s.scope
  GROUP BY s.scope
),
dropout_sessions AS (
  SELECT
    scope,
    attended_sessions,
    row_number() OVER (PARTITION BY scope ORDER BY attended_sessions) AS rn,
    count(*) OVER (PARTITION BY scope) AS n
  FROM flags
  WHERE outcome = 'dropout'
),
session_stats AS (
  SELECT
    scope,
    count(*) AS dropouts,
    quantile_type7(attended_sessions, rn, n, 0.5E0) AS sessions_median,
    quantile_type7(attended_sessions, rn, n, 0.25E0) AS sessions_q1,
    quantile_type7(attended_sessions, rn, n, 0.75E0) AS sessions_q3,
    avg(CAST(attended_sessions AS DOUBLE)) AS sessions_mean
  FROM dropout_sessions
  GROUP BY scope
)
SELECT
  c.scope,
  c.admissions,
  c.eligible,
  c.no_return,
  CAST(c.no_return AS DOUBLE) / NULLIF(c.eligible, 0) AS no_return_rate,
  wilson_lower(c.no_return, c.eligible) AS no_return_ci_lower,
  wilson_upper(c.no_return, c.eligible) AS no_return_ci_upper,
  c.never_attended,
  CAST(c.never_attended AS DOUBLE) / NULLIF(c.eligible, 0) AS never_attended_rate,
  wilson_lower(c.never_attended, c.eligible) AS never_attended_ci_lower,
  wilson_upper(c.never_attended, c.eligible) AS never_attended_ci_upper,
  c.early_dropouts,
  CAST(c.early_dropouts AS DOUBLE) / NULLIF(c.eligible, 0) AS early_dropout_rate,
  wilson_lower(c.early_dropouts, c.eligible) AS early_dropout_ci_lower,
  wilson_upper(c.early_dropouts, c.eligible) AS early_dropout_ci_upper,
  COALESCE(st.dropouts, 0) AS dropouts,
  st.sessions_median,
  st.sessions_q1,
  st.sessions_q3,
  st.sessions_mean
FROM counts c
LEFT JOIN session_stats st ON st.scope = c.scope
ORDER BY CASE WHEN c.scope = 'all' THEN 0 ELSE 1 END, c.scope
