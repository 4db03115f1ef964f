-- Weekly dose against the ASAM 2.1 threshold and hours in the first 30 days, per clinic
-- and overall, for all clients, adults and adolescents.
--
-- Definition (lib/dose-periods.sql): an episode's period is admission .. min(discharge,
--   as_of), both inclusive; its client-weeks are the full ISO weeks (Monday-Sunday, all
--   seven days inside the period); partial first and last weeks are excluded (ADR 0062)
--   and counted in partial_weeks_excluded. Weeks with no attendance count, with 0 hours.
-- Numerators/denominators:
--   mean_weekly_hours           hours attended in client-weeks ÷ client_weeks
--   median_weekly_hours         median (type 7) of hours over client-weeks
--   weeks_meeting_target_rate   client-weeks with hours >= the client's weekly target ÷
--                               client_weeks; target adult_weekly_hours (9) or, for
--                               adolescents (admission year − birth year < 18; unknown
--                               birth year = adult), adolescent_weekly_hours (6)
--   first_30_days: hours attended on days 0-29 after admission, over episodes whose first
--     30 days are fully observed (admitted at least 29 days before as_of); an episode
--     discharged earlier counts with what it attended. Mean and median (type 7).
-- Source: METRICS.md §4; DOMAIN-RESEARCH.md §5 (ASAM 2.1: 9-19 h/week adults, 6-19
--   adolescents; HCPCS H0015 >= 3 h/day on >= 3 days; Medicare IOP >= 9 h/week).
-- Wilson 95% intervals: lib/wilson.sql; medians: lib/quantile.sql.
--
-- @param as_of DATE: data cutoff; sessions and discharges after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param adult_weekly_hours DOUBLE: weekly hours that meet the ASAM 2.1 dose for adults
-- @param adolescent_weekly_hours DOUBLE: weekly hours that meet the ASAM 2.1 dose for adolescents (< 18)
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS DOUBLE) AS adult_weekly_hours,
         CAST(? AS DOUBLE) AS adolescent_weekly_hours
),
-- include: lib/dose-periods.sql
age_groups (age_group, group_order) AS (
  VALUES ('all', 0), ('adult', 1), ('adolescent', 2)
),
week_scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE w.clinic_id END AS scope,
         g.age_group,
         CAST(w.attended_minutes AS DOUBLE) / 60E0 AS hours,
         CAST(w.attended_minutes AS DOUBLE) / 60E0 >= w.weekly_target AS meets_target
  FROM client_weeks w
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  JOIN age_groups g
    ON g.age_group = 'all'
    OR g.age_group = CASE WHEN w.adolescent THEN 'adolescent' ELSE 'adult' END
),
week_ranked AS (
  SELECT w.*,
         row_number() OVER (PARTITION BY scope, age_group ORDER BY hours) AS rn,
         count(*) OVER (PARTITION BY scope, age_group) AS n
  FROM week_scoped w
),
week_summary AS (
  SELECT scope,
         age_group,
         count(*) AS client_weeks,
         sum(hours) AS week_hours,
         quantile_type7(hours, rn, n, 0.5E0) AS median_weekly_hours,
         count_if(meets_target) AS weeks_meeting_target
  FROM week_ranked
  GROUP BY scope, age_group
),
episode_doses AS (
  SELECT c.clinic_id,
         c.episode_id,
         CASE WHEN c.adolescent THEN 'adolescent' ELSE 'adult' END AS age_group,
         c.touched_weeks - greatest(c.last_full_week - c.first_full_week + 1, 0) AS partial_weeks,
         date_diff('day', c.admission_date, p.as_of) >= 29 AS first_30_days_observed,
         coalesce(sum(CASE WHEN s.status = 'attended' AND s.day_in_episode <= 29 THEN s.attended_minutes END), 0) AS first_30_days_minutes
  FROM dose_cohort c
  CROSS JOIN params p
  LEFT JOIN dose_sessions s ON s.clinic_id = c.clinic_id AND s.episode_id = c.episode_id
  GROUP BY c.clinic_id, c.episode_id, c.adolescent, c.touched_weeks, c.last_full_week, c.first_full_week, c.admission_date, p.as_of
),
episode_scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE e.clinic_id END AS scope,
         g.age_group,
         e.partial_weeks,
         e.first_30_days_observed,
         CAST(e.first_30_days_minutes AS DOUBLE) / 60E0 AS first_30_days_hours
  FROM episode_doses e
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  JOIN age_groups g ON g.age_group = 'all' OR g.age_group = e.age_group
),
first_30_ranked AS (
  SELECT e.*,
         row_number() OVER (PARTITION BY scope, age_group ORDER BY first_30_days_hours) AS rn,
         count(*) OVER (PARTITION BY scope, age_group) AS n
  FROM episode_scoped e
  WHERE first_30_days_observed
),
first_30_summary AS (
  SELECT scope,
         age_group,
         count(*) AS first_30_days_episodes,
         avg(first_30_days_hours) AS mean_first_30_days_hours,
         quantile_type7(first_30_days_hours, rn, n, 0.5E0) AS median_first_30_days_hours
  FROM first_30_ranked
  GROUP BY scope, age_group
),
episode_summary AS (
  SELECT scope, age_group, count(*) AS episodes, sum(partial_weeks) AS partial_weeks_excluded
  FROM episode_scoped
  GROUP BY scope, age_group
),
filled AS (
  SELECT s.scope,
         g.age_group,
         g.group_order,
         CAST(coalesce(e.episodes, 0) AS BIGINT) AS episodes,
         CAST(coalesce(w.client_weeks, 0) AS BIGINT) AS client_weeks,
         CAST(coalesce(e.partial_weeks_excluded, 0) AS BIGINT) AS partial_weeks_excluded,
         w.week_hours,
         w.median_weekly_hours,
         CAST(coalesce(w.weeks_meeting_target, 0) AS BIGINT) AS weeks_meeting_target,
         CAST(coalesce(f.first_30_days_episodes, 0) AS BIGINT) AS first_30_days_episodes,
         f.mean_first_30_days_hours,
         f.median_first_30_days_hours
  FROM dose_scopes s
  CROSS JOIN age_groups g
  LEFT JOIN episode_summary e ON e.scope = s.scope AND e.age_group = g.age_group
  LEFT JOIN week_summary w ON w.scope = s.scope AND w.age_group = g.age_group
  LEFT JOIN first_30_summary f ON f.scope = s.scope AND f.age_group = g.age_group
)
SELECT scope,
       age_group,
       episodes,
       client_weeks,
       partial_weeks_excluded,
       week_hours / NULLIF(CAST(client_weeks AS DOUBLE), 0E0) AS mean_weekly_hours,
       median_weekly_hours,
       weeks_meeting_target,
       CAST(weeks_meeting_target AS DOUBLE) / NULLIF(CAST(client_weeks AS DOUBLE), 0E0) AS weeks_meeting_target_rate,
       wilson_lower(weeks_meeting_target, client_weeks) AS weeks_meeting_target_ci_lower,
       wilson_upper(weeks_meeting_target, client_weeks) AS weeks_meeting_target_ci_upper,
       first_30_days_episodes,
       mean_first_30_days_hours,
       median_first_30_days_hours
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, group_order
