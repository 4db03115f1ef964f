-- Fragment: each episode's treatment period, its sessions and its full ISO weeks, shared
-- by dose.sql and dose-weeks.sql. Needs a params CTE with as_of, clinic_id, program_id,
-- cohort_from, cohort_to, adult_weekly_hours, adolescent_weekly_hours. Defines:
--   dose_cohort    episodes admitted on or before as_of that pass the filters, with
--                  period_end = min(discharge, as_of), adolescent (age < 18 at admission),
--                  weekly_target (hours), day numbers of admission and period end and the
--                  range of full weeks inside the period
--   dose_sessions  sessions scheduled from admission to period_end, both inclusive
--   client_weeks   one row per (episode, full ISO week) with the hours attended in it
-- ISO weeks are Monday-Sunday. They are computed with day numbers counted from Monday
-- 2001-01-01 (week w = days 7w .. 7w + 6), not with date_trunc('week') or week(), whose
-- types and conventions differ between Trino and DuckDB. A week counts only when all
-- seven days lie inside [admission, period_end]: partial first and last weeks are
-- excluded (ADR 0062), so a Thursday admission does not drag the weekly dose down.
-- Age: admission year − birth year (only the year is collected), so a client can be
-- counted one year older than they are; an unknown birth year counts as adult.
dose_cohort AS (
  SELECT d.*,
         CAST(ceil(CAST(d.admission_day AS DOUBLE) / 7E0) AS BIGINT) AS first_full_week,
         CAST(floor(CAST(d.period_end_day - 6 AS DOUBLE) / 7E0) AS BIGINT) AS last_full_week,
         CAST(floor(CAST(d.period_end_day AS DOUBLE) / 7E0) - floor(CAST(d.admission_day AS DOUBLE) / 7E0) + 1E0 AS BIGINT) AS touched_weeks
  FROM (
    SELECT e.clinic_id,
           e.program_id,
           e.episode_id,
           e.admission_date,
           CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_date ELSE p.as_of END AS period_end,
           coalesce(year(e.admission_date) - e.birth_year < 18, false) AS adolescent,
           CASE WHEN coalesce(year(e.admission_date) - e.birth_year < 18, false)
                THEN p.adolescent_weekly_hours ELSE p.adult_weekly_hours END AS weekly_target,
           date_diff('day', DATE '2001-01-01', e.admission_date) AS admission_day,
           date_diff('day', DATE '2001-01-01',
             CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_date ELSE p.as_of END) AS period_end_day
    FROM episodes e
    CROSS JOIN params p
    WHERE e.admission_date <= p.as_of
      AND (p.clinic_id IS NULL OR e.clinic_id = p.clinic_id)
      AND (p.program_id IS NULL OR e.program_id = p.program_id)
      AND (p.cohort_from IS NULL OR e.admission_date >= p.cohort_from)
      AND (p.cohort_to IS NULL OR e.admission_date <= p.cohort_to)
  ) d
),
dose_sessions AS (
  SELECT c.clinic_id,
         c.episode_id,
         a.session_date,
         a.session_type,
         a.status,
         a.attended_minutes,
         date_diff('day', c.admission_date, a.session_date) AS day_in_episode,
         CAST(floor(CAST(date_diff('day', DATE '2001-01-01', a.session_date) AS DOUBLE) / 7E0) AS BIGINT) AS week_number
  FROM dose_cohort c
  JOIN attendance_current a
    ON a.clinic_id = c.clinic_id
   AND a.episode_id = c.episode_id
  WHERE a.session_date >= c.admission_date
    AND a.session_date <= c.period_end
),
week_digits (d) AS (
  VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)
),
week_offsets AS (
  SELECT ones.d + 10 * tens.d + 100 * hundreds.d AS offset_weeks
  FROM week_digits ones
  CROSS JOIN week_digits tens
  CROSS JOIN week_digits hundreds
),
-- Up to 1,000 full weeks (19 years) per episode. The week range is compared as an offset
-- (offset ≤ last − first), a join on one column each side rather than a per-pair sum.
client_weeks AS (
  SELECT c.clinic_id,
         c.episode_id,
         c.first_full_week + o.offset_weeks AS week_number,
         c.adolescent,
         c.weekly_target,
         coalesce(sum(CASE WHEN s.status = 'attended' THEN s.attended_minutes END), 0) AS attended_minutes
  FROM dose_cohort c
  JOIN week_offsets o ON o.offset_weeks <= c.last_full_week - c.first_full_week
  LEFT JOIN dose_sessions s
    ON s.clinic_id = c.clinic_id
   AND s.episode_id = c.episode_id
   AND s.week_number = c.first_full_week + o.offset_weeks
  GROUP BY c.clinic_id, c.episode_id, c.first_full_week + o.offset_weeks, c.adolescent, c.weekly_target
),
dose_scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM dose_cohort
),
