-- Six-month follow-ups due soon: the operational work list for follow-up staff.
--
-- Definition: one row per episode whose six-month window is open at as_of or opens
--   within the next follow_up_due_days days, whose window ends after as_of (a window
--   ending on as_of is closed and counted by follow-up.sql), and that has no completed
--   in-window interview yet. Deceased clients are never listed.
-- Columns: window dates, days until it opens (0 when open), days left until it closes,
--   window_status ('open' / 'opens_soon'), attempts already made in the window and the
--   latest attempt's status. No client_key: staff find the client by episode id.
-- Numerator/denominator: none (a list).
-- Source: METRICS.md §6 ("the list of follow-ups due in the next 30 days");
--   DOMAIN-RESEARCH.md §4.1 (window 5-8 months after intake).
--
-- @param as_of DATE: the day the list is made for
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param follow_up_window_start_months INTEGER: window opens this many months after admission (0-24)
-- @param follow_up_window_end_months INTEGER: window closes this many months after admission (0-24, inclusive)
-- @param follow_up_due_days INTEGER: list windows opening within this many days after as_of
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS INTEGER) AS follow_up_window_start_months,
         CAST(? AS INTEGER) AS follow_up_window_end_months,
         CAST(? AS INTEGER) AS follow_up_due_days
),
-- include: lib/follow-up-windows.sql
due_soon AS (
  SELECT f.clinic_id,
         f.program_id,
         f.episode_id,
         f.admission_date,
         f.window_start,
         f.window_end,
         CAST(greatest(date_diff('day', p.as_of, f.window_start), 0) AS BIGINT) AS days_until_opens,
         CAST(date_diff('day', p.as_of, f.window_end) AS BIGINT) AS days_left,
         CASE WHEN f.window_start <= p.as_of THEN 'open' ELSE 'opens_soon' END AS window_status,
         CAST(f.attempts_in_window AS BIGINT) AS attempts_in_window,
         f.last_status AS last_attempt_status
  FROM follow_up_status f
  CROSS JOIN params p
  WHERE NOT f.deceased
    AND NOT f.followed
    AND f.window_end > p.as_of
    AND date_diff('day', p.as_of, f.window_start) <= p.follow_up_due_days
)
SELECT clinic_id,
       program_id,
       episode_id,
       admission_date,
       window_start,
       window_end,
       days_until_opens,
       days_left,
       window_status,
       attempts_in_window,
       last_attempt_status
FROM due_soon
ORDER BY window_end, clinic_id, episode_id
