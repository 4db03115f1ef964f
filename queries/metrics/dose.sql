-- Attendance and dose by session type (ASAM 2.1), per clinic and overall.
--
-- Definition: the sessions scheduled between admission and min(discharge, as_of), both
--   inclusive (lib/dose-periods.sql); one row per scope and session type, plus
--   session_type 'all'.
-- Numerators/denominators (sessions):
--   scheduled        attended + no_show + excused (sessions the clinic cancelled are not
--                    the client's to attend: excluded, shown as cancelled_by_clinic)
--   attendance_rate  attended ÷ scheduled
--   no_show_rate     no_show ÷ scheduled
--   excused_rate     excused ÷ scheduled (shown separately; the three rates add to 1)
--   attendance_rate_excluding_excused  attended ÷ (attended + no_show)
-- Dose: hours_per_client_week = hours attended in full ISO weeks ÷ client-weeks (every
--   full Monday-Sunday week inside an episode's period, zero-hour weeks included;
--   partial first/last weeks excluded: see dose-weeks.sql and ADR 0062), by session type.
--   hours_attended = all attended hours in the period (full and partial weeks).
-- Missing data: a session with no row did not exist; scheduled sessions must be sent.
-- Source: METRICS.md §4; DOMAIN-RESEARCH.md §5 (ASAM 2.1 9-19 h/week; Continuum KPI:
--   no-show = missed ÷ scheduled).
-- Wilson 95% intervals: lib/wilson.sql.
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
session_types (session_type, type_order) AS (
  VALUES ('all', 0), ('group', 1), ('individual', 2), ('cbt', 3), ('family', 4), ('workshop', 5), ('education', 6), ('other', 7)
),
typed_sessions AS (
  SELECT s.*, t.session_type AS reported_type
  FROM dose_sessions s
  JOIN session_types t ON t.session_type = 'all' OR t.session_type = s.session_type
),
session_scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE s.clinic_id END AS scope, s.*
  FROM typed_sessions s
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
),
session_counts AS (
  SELECT scope,
         reported_type AS session_type,
         count_if(status = 'attended') AS attended,
         count_if(status = 'no_show') AS no_show,
         count_if(status = 'excused') AS excused,
         count_if(status = 'cancelled_by_clinic') AS cancelled_by_clinic,
         sum(CASE WHEN status = 'attended' THEN attended_minutes ELSE 0 END) AS attended_minutes,
         sum(CASE WHEN status = 'attended' AND week_number BETWEEN c.first_full_week AND c.last_full_week
                  THEN attended_minutes ELSE 0 END) AS full_week_minutes
  FROM session_scoped s
  JOIN dose_cohort c ON c.clinic_id = s.clinic_id AND c.episode_id = s.episode_id
  GROUP BY scope, reported_type
),
week_counts AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE w.clinic_id END AS scope,
         count(*) AS client_weeks
  FROM client_weeks w
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  GROUP BY CASE WHEN k.kind = 'all' THEN 'all' ELSE w.clinic_id END
),
filled AS (
  SELECT s.scope,
         t.session_type,
         t.type_order,
         CAST(coalesce(c.attended, 0) AS BIGINT) AS attended,
         CAST(coalesce(c.no_show, 0) AS BIGINT) AS no_show,
         CAST(coalesce(c.excused, 0) AS BIGINT) AS excused,
         CAST(coalesce(c.cancelled_by_clinic, 0) AS BIGINT) AS cancelled_by_clinic,
         CAST(coalesce(c.attended_minutes, 0) AS DOUBLE) / 60E0 AS hours_attended,
         CAST(coalesce(c.full_week_minutes, 0) AS DOUBLE) / 60E0 AS full_week_hours,
         CAST(coalesce(w.client_weeks, 0) AS BIGINT) AS client_weeks
  FROM dose_scopes s
  CROSS JOIN session_types t
  LEFT JOIN session_counts c ON c.scope = s.scope AND c.session_type = t.session_type
  LEFT JOIN week_counts w ON w.scope = s.scope
)
SELECT scope,
       session_type,
       CAST(attended + no_show + excused AS BIGINT) AS scheduled,
       attended,
       no_show,
       excused,
       cancelled_by_clinic,
       CAST(attended AS DOUBLE) / NULLIF(CAST(attended + no_show + excused AS DOUBLE), 0E0) AS attendance_rate,
       wilson_lower(attended, attended + no_show + excused) AS attendance_ci_lower,
       wilson_upper(attended, attended + no_show + excused) AS attendance_ci_upper,
       CAST(no_show AS DOUBLE) / NULLIF(CAST(attended + no_show + excused AS DOUBLE), 0E0) AS no_show_rate,
       wilson_lower(no_show, attended + no_show + excused) AS no_show_ci_lower,
       wilson_upper(no_show, attended + no_show + excused) AS no_show_ci_upper,
       CAST(excused AS DOUBLE) / NULLIF(CAST(attended + no_show + excused AS DOUBLE), 0E0) AS excused_rate,
       CAST(attended AS DOUBLE) / NULLIF(CAST(attended + no_show AS DOUBLE), 0E0) AS attendance_rate_excluding_excused,
       hours_attended,
       client_weeks,
       full_week_hours / NULLIF(CAST(client_weeks AS DOUBLE), 0E0) AS hours_per_client_week
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, type_order
