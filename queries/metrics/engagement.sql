-- Engagement, IET analogue (program data — NOT the HEDIS IET measure, which needs
-- cross-provider claims): initiation and engagement rates, and the latency from
-- admission to the first attended session. One row per scope.
--
-- Definition (METRICS.md §2; DOMAIN-RESEARCH.md §2.2–§2.4; docs/adr/0055):
--   initiated: first attended session on day 0..initiation_days (default 13) after
--     admission ("on the episode date or during the 13 days after").
--   initiation denominator (initiation_eligible): admissions at least initiation_days
--     days before as_of (the window has closed).
--   engaged: initiated AND attended sessions on at least 2 further distinct days within
--     engagement_days (default 34) after the initiation day (days init+1 .. init+34);
--     a second session on the initiation day does not count ("≥ 2" is the measure's
--     definition, not a setting).
--   engagement denominator (engagement_eligible): admissions at least
--     initiation_days + engagement_days days before as_of (both windows closed whatever
--     the initiation day), as HEDIS uses the same episode denominator for both rates.
--   Rates with Wilson 95% intervals (lib/wilson.sql).
--   latency_*: days from admission to the first attended session, over episodes with
--     one by as_of; median / IQR exact type-7 quantiles (lib/quantile.sql), mean.
-- Missing data: sessions after discharge or as_of do not count; an episode with no
--   attended session is not initiated.
-- Source: NCQA HEDIS IET (MY2022+: 14 days, 34 days); CMS137 eCQM; Garnick et al. 2009.
--
-- @param as_of DATE: data cutoff; facts dated after it are ignored
-- @param clinic_id VARCHAR optional: one clinic (NULL = every clinic)
-- @param program_id VARCHAR optional: one program (NULL = every program)
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param inactivity_days INTEGER: days without an attended session that make an open episode a dropout (shared fragment)
-- @param initiation_days INTEGER: last day after admission (inclusive) a first session counts as initiation
-- @param engagement_days INTEGER: days after the initiation day in which the further sessions must fall
WITH params AS (
  SELECT
    CAST(? AS DATE) AS as_of,
    CAST(? AS VARCHAR) AS clinic_id,
    CAST(? AS VARCHAR) AS program_id,
    CAST(? AS DATE) AS cohort_from,
    CAST(? AS DATE) AS cohort_to,
    CAST(? AS INTEGER) AS inactivity_days,
    CAST(? AS INTEGER) AS initiation_days,
    CAST(? AS INTEGER) AS engagement_days
),
-- include: lib/episode-outcomes.sql
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT scope FROM scoped
),
initiation AS (
  SELECT
    o.scope,
    o.clinic_id,
    o.episode_id,
    o.admission_date,
    o.first_attended_date,
    CASE WHEN date_diff('day', o.admission_date, p.as_of) >= p.initiation_days THEN 1 ELSE 0 END AS initiation_eligible,
    CASE WHEN date_diff('day', o.admission_date, p.as_of) >= p.initiation_days + p.engagement_days THEN 1 ELSE 0 END AS engagement_eligible,
    CASE
      WHEN o.first_attended_date IS NOT NULL
        AND date_diff('day', o.admission_date, o.first_attended_date) <= p.initiation_days THEN 1
      ELSE 0
    END AS initiated
  FROM scoped o
  CROSS JOIN params p
),
further_days AS (
  SELECT i.scope, i.clinic_id, i.episode_id, count(DISTINCT a.session_date) AS further_session_days
  FROM initiation i
  CROSS JOIN params p
  JOIN attended_sessions a
    ON a.clinic_id = i.clinic_id
    AND a.episode_id = i.episode_id
    AND date_diff('day', i.first_attended_date, a.session_date) BETWEEN 1 AND p.engagement_days
  WHERE i.initiated = 1
  GROUP BY i.scope, i.clinic_id, i.episode_id
),
episodes_flagged AS (
  SELECT
    i.*,
    CASE WHEN i.initiated = 1 AND COALESCE(f.further_session_days, 0) >= 2 THEN 1 ELSE 0 END AS engaged,
    CASE WHEN i.first_attended_date IS NOT NULL THEN date_diff('day', i.admission_date, i.first_attended_date) END AS latency_days
  FROM initiation i
  LEFT JOIN further_days f
    ON f.scope = i.scope
    AND f.clinic_id = i.clinic_id
    AND f.episode_id = i.episode_id
),
counts AS (
  SELECT
    s.scope,
    count(e.scope) AS admissions,
    COALESCE(sum(e.initiation_eligible), 0) AS initiation_eligible,
    COALESCE(sum(e.initiation_eligible * e.initiated), 0) AS initiated,
    COALESCE(sum(e.engagement_eligible), 0) AS engagement_eligible,
    COALESCE(sum(e.engagement_eligible * e.engaged), 0) AS engaged
  FROM scopes s
  LEFT JOIN episodes_flagged e ON e.scope = s.scope
  GROUP BY s.scope
),
latencies AS (
  SELECT
    scope,
    latency_days,
    row_number() OVER (PARTITION BY scope ORDER BY latency_days) AS rn,
    count(*) OVER (PARTITION BY scope) AS n
  FROM episodes_flagged
  WHERE latency_days IS NOT NULL
),
latency_stats AS (
  SELECT
    scope,
    count(*) AS latency_episodes,
    quantile_type7(latency_days, rn, n, 0.5E0) AS latency_median_days,
    quantile_type7(latency_days, rn, n, 0.25E0) AS latency_q1_days,
    quantile_type7(latency_days, rn, n, 0.75E0) AS latency_q3_days,
    avg(CAST(latency_days AS DOUBLE)) AS latency_mean_days
  FROM latencies
  GROUP BY scope
)
SELECT
  c.scope,
  c.admissions,
  c.initiation_eligible,
  c.initiated,
  CAST(c.initiated AS DOUBLE) / NULLIF(c.initiation_eligible, 0) AS initiation_rate,
  wilson_lower(c.initiated, c.initiation_eligible) AS initiation_ci_lower,
  wilson_upper(c.initiated, c.initiation_eligible) AS initiation_ci_upper,
  c.engagement_eligible,
  c.engaged,
  CAST(c.engaged AS DOUBLE) / NULLIF(c.engagement_eligible, 0) AS engagement_rate,
  wilson_lower(c.engaged, c.engagement_eligible) AS engagement_ci_lower,
  wilson_upper(c.engaged, c.engagement_eligible) AS engagement_ci_upper,
  COALESCE(l.latency_episodes, 0) AS latency_episodes,
  l.latency_median_days,
  l.latency_q1_days,
  l.latency_q3_days,
  l.latency_mean_days
FROM counts c
LEFT JOIN latency_stats l ON l.scope = c.scope
ORDER BY CASE WHEN c.scope = 'all' THEN 0 ELSE 1 END, c.scope
