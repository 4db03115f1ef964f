-- Census at the data cutoff: admissions in the cohort and how many clients are active,
-- per clinic and overall. The dashboard's "active clients" tile.
--
-- Definition (one row per scope: each clinic id, and 'all'):
--   admissions      episodes admitted on or before as_of (filters applied)
--   active_clients  episodes not discharged by as_of whose last attended session (or, with
--                   none yet, the admission) is at most inactivity_days before as_of
--   inactive_open   episodes not discharged by as_of but past the inactivity rule: the
--                   retention metrics count them as dropouts; staff should close them
--   discharged      episodes discharged on or before as_of
-- Numerator/denominator: counts; active + inactive_open + discharged = admissions.
-- Missing data: an empty cohort gives an 'all' row of zeros.
-- Source: METRICS.md §1 (dropout by inactivity, 30 days = SABG episode rule); issue 6.
--
-- @param as_of DATE: data cutoff; admissions, sessions and discharges after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param inactivity_days INTEGER: days without an attended session after which an open episode is inactive
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS INTEGER) AS inactivity_days
),
cohort AS (
  SELECT e.clinic_id, e.episode_id, e.admission_date, e.discharge_date
  FROM episodes e
  CROSS JOIN params p
  WHERE e.admission_date <= p.as_of
    AND (p.clinic_id IS NULL OR e.clinic_id = p.clinic_id)
    AND (p.program_id IS NULL OR e.program_id = p.program_id)
    AND (p.cohort_from IS NULL OR e.admission_date >= p.cohort_from)
    AND (p.cohort_to IS NULL OR e.admission_date <= p.cohort_to)
),
last_attended AS (
  SELECT a.clinic_id, a.episode_id, max(a.session_date) AS last_session
  FROM attendance_current a
  CROSS JOIN params p
  WHERE a.status = 'attended' AND a.session_date <= p.as_of
  GROUP BY a.clinic_id, a.episode_id
),
classified AS (
  SELECT c.clinic_id,
         CASE
           WHEN c.discharge_date IS NOT NULL AND c.discharge_date <= p.as_of THEN 'discharged'
           WHEN date_diff('day', coalesce(l.last_session, c.admission_date), p.as_of) > p.inactivity_days THEN 'inactive'
           ELSE 'active'
         END AS status
  FROM cohort c
  CROSS JOIN params p
  LEFT JOIN last_attended l ON l.clinic_id = c.clinic_id AND l.episode_id = c.episode_id
),
per_clinic AS (
  SELECT clinic_id AS scope,
         count(*) AS admissions,
         count_if(status = 'active') AS active_clients,
         count_if(status = 'inactive') AS inactive_open,
         count_if(status = 'discharged') AS discharged
  FROM classified
  GROUP BY clinic_id
),
overall AS (
  SELECT 'all' AS scope,
         count(*) AS admissions,
         count_if(status = 'active') AS active_clients,
         count_if(status = 'inactive') AS inactive_open,
         count_if(status = 'discharged') AS discharged
  FROM classified
)
SELECT scope,
       CAST(admissions AS BIGINT) AS admissions,
       CAST(active_clients AS BIGINT) AS active_clients,
       CAST(inactive_open AS BIGINT) AS inactive_open,
       CAST(discharged AS BIGINT) AS discharged
FROM (
  SELECT * FROM overall
  UNION ALL
  SELECT * FROM per_clinic
) combined
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope
