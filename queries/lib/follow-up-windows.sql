-- Follow-up windows (fragment; included by follow-up, follow-up-due, outcomes and
-- outcomes-followed-vs-not). The six-month window is [admission + start months,
-- admission + end months], both days inclusive (GPRA: 5-8 months after intake).
--
-- Needs the including file's params CTE to provide: as_of, clinic_id, program_id,
-- cohort_from, cohort_to, follow_up_window_start_months, follow_up_window_end_months.
--
-- Month arithmetic: months come from a parameter, which cannot go inside an INTERVAL
-- literal, and date_add('month', n, d) is Trino-only. So the offsets are a table of
-- literal intervals (0-24 months) joined on the parameter; DATE + INTERVAL 'n' MONTH
-- clamps to the month end in both engines (2024-01-31 + 1 month = 2024-02-29) and the
-- CAST keeps it a DATE on DuckDB. A window setting outside 0-24 months matches no
-- offset and the episode gets no window (NULL dates): counted nowhere, visibly.
--
-- Deceased: a discharge with reason 'died' on or before as_of, or a six-month attempt
-- recorded as 'died', removes the episode from the follow-up denominator and the due
-- list (it can never be followed up; GPRA does not count it as a missed interview).
month_offsets (months, shift) AS (
  VALUES
    (0, INTERVAL '0' MONTH),
    (1, INTERVAL '1' MONTH),
    (2, INTERVAL '2' MONTH),
    (3, INTERVAL '3' MONTH),
    (4, INTERVAL '4' MONTH),
    (5, INTERVAL '5' MONTH),
    (6, INTERVAL '6' MONTH),
    (7, INTERVAL '7' MONTH),
    (8, INTERVAL '8' MONTH),
    (9, INTERVAL '9' MONTH),
    (10, INTERVAL '10' MONTH),
    (11, INTERVAL '11' MONTH),
    (12, INTERVAL '12' MONTH),
    (13, INTERVAL '13' MONTH),
    (14, INTERVAL '14' MONTH),
    (15, INTERVAL '15' MONTH),
    (16, INTERVAL '16' MONTH),
    (17, INTERVAL '17' MONTH),
    (18, INTERVAL '18' MONTH),
    (19, INTERVAL '19' MONTH),
    (20, INTERVAL '20' MONTH),
    (21, INTERVAL '21' MONTH),
    (22, INTERVAL '22' MONTH),
    (23, INTERVAL '23' MONTH),
    (24, INTERVAL '24' MONTH)
),
follow_up_cohort AS (
  SELECT e.clinic_id,
         e.program_id,
         e.episode_id,
         e.admission_date,
         CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_date END AS discharge_date,
         CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_reason END AS discharge_reason,
         CAST(e.admission_date + ws.shift AS DATE) AS window_start,
         CAST(e.admission_date + we.shift AS DATE) AS window_end
  FROM episodes e
  CROSS JOIN params p
  LEFT JOIN month_offsets ws ON ws.months = p.follow_up_window_start_months
  LEFT JOIN month_offsets we ON we.months = p.follow_up_window_end_months
  WHERE e.admission_date <= p.as_of
    AND (p.clinic_id IS NULL OR e.clinic_id = p.clinic_id)
    AND (p.program_id IS NULL OR e.program_id = p.program_id)
    AND (p.cohort_from IS NULL OR e.admission_date >= p.cohort_from)
    AND (p.cohort_to IS NULL OR e.admission_date <= p.cohort_to)
),
six_month_interviews AS (
  SELECT c.clinic_id,
         c.episode_id,
         a.event_id,
         a.interview_date,
         a.status,
         a.interview_date >= c.window_start AND a.interview_date <= c.window_end AS in_window,
         a.days_used_past_30,
         a.employed_or_in_school,
         a.arrests_past_30,
         a.stably_housed,
         a.social_support
  FROM follow_up_cohort c
  JOIN assessments_current a
    ON a.clinic_id = c.clinic_id
   AND a.episode_id = c.episode_id
  CROSS JOIN params p
  WHERE a.timepoint = 'six_month'
    AND a.interview_date <= p.as_of
),
interview_summary AS (
  SELECT clinic_id,
         episode_id,
         count_if(status = 'completed' AND in_window) AS completed_in_window,
         count_if(status = 'completed' AND NOT in_window) AS completed_outside_window,
         count_if(status <> 'completed' AND in_window) AS attempts_in_window,
         count_if(status = 'died') AS died_attempts,
         min(CASE WHEN status = 'completed' AND in_window THEN interview_date END) AS follow_up_date,
         -- latest attempt; same-day attempts ordered by event id so the result is deterministic
         max_by(status, CAST(interview_date AS VARCHAR) || '/' || event_id) AS last_status
  FROM six_month_interviews
  GROUP BY clinic_id, episode_id
),
follow_up_status AS (
  SELECT c.*,
         coalesce(s.completed_in_window, 0) > 0 AS followed,
         s.follow_up_date,
         coalesce(s.completed_outside_window, 0) AS completed_outside_window,
         coalesce(s.attempts_in_window, 0) AS attempts_in_window,
         s.last_status,
         coalesce(c.discharge_reason = 'died', false) OR coalesce(s.died_attempts, 0) > 0 AS deceased,
         CASE
           WHEN c.window_end IS NULL THEN NULL
           WHEN c.window_end <= p.as_of THEN 'closed'
           WHEN c.window_start <= p.as_of THEN 'open'
           ELSE 'not_open'
         END AS window_state
  FROM follow_up_cohort c
  CROSS JOIN params p
  LEFT JOIN interview_summary s
    ON s.clinic_id = c.clinic_id
   AND s.episode_id = c.episode_id
),
