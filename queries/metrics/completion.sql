-- Treatment completion and discharge mix (TEDS convention), with length of stay, per
-- scope and discharge-reason group, beside the TEDS-D 2004 IOP benchmark.
--
-- Definition (METRICS.md §1, §7; DOMAIN-RESEARCH.md §1.1, §1.2, §1.5; docs/adr/0053):
--   Cohort: discharges (a discharge cohort, by discharge date) on or before as_of and in
--     [period_from, period_to] when given, of episodes passing the clinic / program /
--     admission-cohort filters.
--   reason rows: each recorded reason (completed, transferred, dropped_out, terminated,
--     incarcerated, died, other); 'completed_or_transferred' (TEDS "positive
--     conclusion"); 'other_teds' = incarcerated + died + other (TEDS's "other");
--     'all' = every discharge.
--   Completion rate = the 'completed' row's share.
--   Numerator: discharges in the reason group. Denominator: all discharges in scope.
--   share with a Wilson 95% interval (lib/wilson.sql).
--   Length of stay (TEDS outpatient): min(last attended session, discharge) − admission
--     + 1 days (both ends count); the discharge date when no session was attended.
--     los_median_days / los_q1_days / los_q3_days: exact type-7 quantiles
--     (lib/quantile.sql); los_mean_days: mean.
--   teds_share / teds_median_los_days: TEDS-D 2004, IOP discharges, n = 114,440
--     (published benchmark values, not thresholds).
-- Missing data: an episode without a discharge is not in a discharge cohort; a discharge
--   without an enrollment is ignored (views/episodes.sql).
-- Source: TEDS-D 2004 / 2005 chapter 2 (LOS, reason categories), Table 2.5 / 4.11.
--
-- @param as_of DATE: data cutoff; discharges after it are not counted
-- @param clinic_id VARCHAR optional: one clinic (NULL = every clinic)
-- @param program_id VARCHAR optional: one program (NULL = every program)
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param period_from DATE optional: first discharge date counted (inclusive)
-- @param period_to DATE optional: last discharge date counted (inclusive)
-- @param inactivity_days INTEGER: days without an attended session that make an open episode a dropout (shared fragment)
WITH params AS (
  SELECT
    CAST(? AS DATE) AS as_of,
    CAST(? AS VARCHAR) AS clinic_id,
    CAST(? AS VARCHAR) AS program_id,
    CAST(? AS DATE) AS cohort_from,
    CAST(? AS DATE) AS cohort_to,
    CAST(? AS DATE) AS period_from,
    CAST(? AS DATE) AS period_to,
    CAST(? AS INTEGER) AS inactivity_days
),
-- include: lib/episode-outcomes.sql
discharged AS (
  SELECT
    o.scope,
    o.discharge_reason,
    date_diff('day', o.admission_date, COALESCE(o.last_attended_date, o.discharge_date)) + 1 AS los_days
  FROM scoped o
  CROSS JOIN params p
  WHERE o.discharge_date IS NOT NULL
    AND (p.period_from IS NULL OR o.discharge_date >= p.period_from)
    AND (p.period_to IS NULL OR o.discharge_date <= p.period_to)
),
reason_groups AS (
  SELECT reason_group, sort_order, teds_share, teds_median_los_days
  FROM (
    VALUES
      ('all', 0, 1E0, 41),
      ('completed', 1, 0.377E0, 50),
      ('transferred', 2, 0.179E0, 42),
      ('completed_or_transferred', 3, 0.556E0, CAST(NULL AS INTEGER)),
      ('dropped_out', 4, 0.232E0, 26),
      ('terminated', 5, 0.140E0, 36),
      ('incarcerated', 6, CAST(NULL AS DOUBLE), CAST(NULL AS INTEGER)),
      ('died', 7, CAST(NULL AS DOUBLE), CAST(NULL AS INTEGER)),
      ('other', 8, CAST(NULL AS DOUBLE), CAST(NULL AS INTEGER)),
      ('other_teds', 9, 0.072E0, 36)
  ) AS g(reason_group, sort_order, teds_share, teds_median_los_days)
),
grouped AS (
  SELECT scope, 'all' AS reason_group, los_days FROM discharged
  UNION ALL
  SELECT scope, discharge_reason AS reason_group, los_days FROM discharged
  UNION ALL
  SELECT scope, 'completed_or_transferred' AS reason_group, los_days FROM discharged
  WHERE discharge_reason IN ('completed', 'transferred')
  UNION ALL
  SELECT scope, 'other_teds' AS reason_group, los_days FROM discharged
  WHERE discharge_reason IN ('incarcerated', 'died', 'other')
),
ranked AS (
  SELECT
    scope,
    reason_group,
    los_days,
    row_number() OVER (PARTITION BY scope, reason_group ORDER BY los_days) AS rn,
    count(*) OVER (PARTITION BY scope, reason_group) AS n
  FROM grouped
),
group_stats AS (
  SELECT
    scope,
    reason_group,
    count(*) AS discharges,
    quantile_type7(los_days, rn, n, 0.5E0) AS los_median_days,
    quantile_type7(los_days, rn, n, 0.25E0) AS los_q1_days,
    quantile_type7(los_days, rn, n, 0.75E0) AS los_q3_days,
    avg(CAST(los_days AS DOUBLE)) AS los_mean_days
  FROM ranked
  GROUP BY scope, reason_group
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT scope FROM discharged
),
totals AS (
  SELECT s.scope, count(d.scope) AS total_discharges
  FROM scopes s
  LEFT JOIN discharged d ON d.scope = s.scope
  GROUP BY s.scope
)
SELECT
  s.scope,
  g.reason_group AS reason,
  COALESCE(st.discharges, 0) AS discharges,
  t.total_discharges,
  CAST(COALESCE(st.discharges, 0) AS DOUBLE) / NULLIF(t.total_discharges, 0) AS share,
  wilson_lower(COALESCE(st.discharges, 0), t.total_discharges) AS share_ci_lower,
  wilson_upper(COALESCE(st.discharges, 0), t.total_discharges) AS share_ci_upper,
  g.teds_share,
  st.los_median_days,
  st.los_q1_days,
  st.los_q3_days,
  st.los_mean_days,
  g.teds_median_los_days
FROM scopes s
CROSS JOIN reason_groups g
JOIN totals t ON t.scope = s.scope
LEFT JOIN group_stats st ON st.scope = s.scope AND st.reason_group = g.reason_group
ORDER BY CASE WHEN s.scope = 'all' THEN 0 ELSE 1 END, s.scope, g.sort_order
