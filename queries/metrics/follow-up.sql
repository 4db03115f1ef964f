-- Six-month follow-up rate (GPRA / SUPRT style), per clinic and overall.
--
-- Definition: a six-month follow-up counts only when a completed six_month interview is
--   dated inside the episode's window [admission + start months, admission + end months]
--   (both days inclusive; default 5-8 months; month ends clamp: 2024-01-31 + 5 months =
--   2024-06-30) and on or before as_of.
-- Numerator (followed): episodes whose window has closed by as_of (window end <= as_of)
--   with a completed in-window interview.
-- Denominator (due): episodes admitted on or before as_of whose window has closed by
--   as_of, deceased clients excluded (shown as deceased_excluded).
-- Target: follow_up_target (GPRA: >= 80% of due follow-ups); meets_target is NULL when
--   nothing is due.
-- Also: completed_outside_window (due, not followed, but interviewed outside the window:
--   a scheduling problem, not a success), window_open / open_followed (windows open at
--   as_of and those already done), not_yet_open.
-- Missing data: an episode without any interview is not followed. Attempts that did not
--   complete (not_located, refused, incarcerated) are not follow-ups.
-- Source: METRICS.md §6; DOMAIN-RESEARCH.md §4.1 (Ohio SOS evaluation team window
--   5-8 months; CSAT GPRA codebook: rate = completed ÷ due; >= 80% requirement).
-- Wilson 95% interval: lib/wilson.sql (Newcombe 1998 method 3).
--
-- @param as_of DATE: data cutoff; interviews and discharges after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param follow_up_window_start_months INTEGER: window opens this many months after admission (0-24)
-- @param follow_up_window_end_months INTEGER: window closes this many months after admission (0-24, inclusive)
-- @param follow_up_target DOUBLE: target follow-up rate (0-1)
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS INTEGER) AS follow_up_window_start_months,
         CAST(? AS INTEGER) AS follow_up_window_end_months,
         CAST(? AS DOUBLE) AS follow_up_target
),
-- include: lib/follow-up-windows.sql
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE f.clinic_id END AS scope,
         f.deceased,
         f.followed,
         f.window_state,
         f.completed_outside_window
  FROM follow_up_status f
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM follow_up_cohort
),
counts AS (
  SELECT scope,
         count(*) AS episodes,
         count_if(deceased) AS deceased_excluded,
         count_if(NOT deceased AND window_state = 'closed') AS due,
         count_if(NOT deceased AND window_state = 'closed' AND followed) AS followed,
         count_if(NOT deceased AND window_state = 'closed' AND NOT followed AND completed_outside_window > 0) AS completed_outside_window,
         count_if(NOT deceased AND window_state = 'open') AS window_open,
         count_if(NOT deceased AND window_state = 'open' AND followed) AS open_followed,
         count_if(NOT deceased AND window_state = 'not_open') AS not_yet_open
  FROM scoped
  GROUP BY scope
),
filled AS (
  SELECT s.scope,
         CAST(coalesce(c.episodes, 0) AS BIGINT) AS episodes,
         CAST(coalesce(c.due, 0) AS BIGINT) AS due,
         CAST(coalesce(c.followed, 0) AS BIGINT) AS followed,
         CAST(coalesce(c.deceased_excluded, 0) AS BIGINT) AS deceased_excluded,
         CAST(coalesce(c.completed_outside_window, 0) AS BIGINT) AS completed_outside_window,
         CAST(coalesce(c.window_open, 0) AS BIGINT) AS window_open,
         CAST(coalesce(c.open_followed, 0) AS BIGINT) AS open_followed,
         CAST(coalesce(c.not_yet_open, 0) AS BIGINT) AS not_yet_open
  FROM scopes s
  LEFT JOIN counts c ON c.scope = s.scope
)
SELECT f.scope,
       f.episodes,
       f.due,
       f.followed,
       CAST(f.followed AS DOUBLE) / NULLIF(CAST(f.due AS DOUBLE), 0E0) AS follow_up_rate,
       wilson_lower(f.followed, f.due) AS follow_up_ci_lower,
       wilson_upper(f.followed, f.due) AS follow_up_ci_upper,
       p.follow_up_target,
       CASE WHEN f.due > 0 THEN CAST(f.followed AS DOUBLE) / CAST(f.due AS DOUBLE) >= p.follow_up_target END AS meets_target,
       f.deceased_excluded,
       f.completed_outside_window,
       f.window_open,
       f.open_followed,
       f.not_yet_open
FROM filled f
CROSS JOIN params p
ORDER BY CASE WHEN f.scope = 'all' THEN 0 ELSE 1 END, f.scope
