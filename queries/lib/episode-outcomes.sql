-- Fragment: each episode's state at as_of, shared by the retention family (retention,
-- retention-summary, completion, early-dropout, engagement) so "dropout" has one meaning.
-- Needs a params CTE with as_of, clinic_id, program_id, cohort_from, cohort_to,
-- inactivity_days. Defines:
--   cohort            episodes admitted on or before as_of that pass the filters; a
--                     discharge dated after as_of is not visible (episode open at as_of)
--   attended_sessions attended sessions from admission to min(discharge, as_of)
--   episode_outcomes  one row per episode: attended_sessions, first/last_attended_date,
--                     days_in_treatment T, outcome, time_day
--   scoped            episode_outcomes twice: scope = 'all' and scope = clinic_id
-- Rules (METRICS.md §1; DOMAIN-RESEARCH.md §1.1, §1.3; docs/adr/0051):
--   T = last attended session − admission in days (0 when none attended).
--   outcome 'dropout': discharge reason dropped_out, terminated, incarcerated or other;
--     or no discharge by as_of and more than inactivity_days days from the last attended
--     session (admission when none) to as_of — dated at T, not when the rule fired.
--   outcome 'completed_or_transferred': discharge reason completed or transferred.
--   outcome 'died': ends treatment, is not a dropout (competing, like completion).
--   outcome 'active': open and active at as_of, censored at as_of.
--   time_day: T for every ended episode; as_of − admission for active ones.
cohort AS (
  SELECT
    ep.clinic_id,
    ep.program_id,
    ep.episode_id,
    ep.client_key,
    ep.admission_date,
    ep.primary_substance,
    CASE WHEN ep.discharge_date <= p.as_of THEN ep.discharge_date END AS discharge_date,
    CASE WHEN ep.discharge_date <= p.as_of THEN ep.discharge_reason END AS discharge_reason,
    p.as_of,
    p.inactivity_days
  FROM episodes ep
  CROSS JOIN params p
  WHERE ep.admission_date <= p.as_of
    AND (p.clinic_id IS NULL OR ep.clinic_id = p.clinic_id)
    AND (p.program_id IS NULL OR ep.program_id = p.program_id)
    AND (p.cohort_from IS NULL OR ep.admission_date >= p.cohort_from)
    AND (p.cohort_to IS NULL OR ep.admission_date <= p.cohort_to)
),
attended_sessions AS (
  SELECT c.clinic_id, c.episode_id, a.session_date
  FROM cohort c
  JOIN attendance_current a
    ON a.clinic_id = c.clinic_id
    AND a.episode_id = c.episode_id
  WHERE a.status = 'attended'
    AND a.session_date >= c.admission_date
    AND a.session_date <= COALESCE(c.discharge_date, c.as_of)
),
attendance_by_episode AS (
  SELECT
    clinic_id,
    episode_id,
    count(*) AS attended_sessions,
    min(session_date) AS first_attended_date,
    max(session_date) AS last_attended_date
  FROM attended_sessions
  GROUP BY clinic_id, episode_id
),
episode_states AS (
  SELECT
    c.*,
    COALESCE(s.attended_sessions, 0) AS attended_sessions,
    s.first_attended_date,
    s.last_attended_date,
    date_diff('day', c.admission_date, COALESCE(s.last_attended_date, c.admission_date)) AS days_in_treatment,
    CASE
      WHEN c.discharge_reason IN ('completed', 'transferred') THEN 'completed_or_transferred'
      WHEN c.discharge_reason = 'died' THEN 'died'
      WHEN c.discharge_reason IS NOT NULL THEN 'dropout'
      WHEN date_diff('day', COALESCE(s.last_attended_date, c.admission_date), c.as_of) > c.inactivity_days THEN 'dropout'
      ELSE 'active'
    END AS outcome,
    CASE
      WHEN c.discharge_reason IS NOT NULL THEN 'discharge'
      WHEN date_diff('day', COALESCE(s.last_attended_date, c.admission_date), c.as_of) > c.inactivity_days THEN 'inactivity'
    END AS end_source
  FROM cohort c
  LEFT JOIN attendance_by_episode s
    ON s.clinic_id = c.clinic_id
    AND s.episode_id = c.episode_id
),
episode_outcomes AS (
  SELECT
    e.*,
    CASE WHEN e.outcome = 'active' THEN date_diff('day', e.admission_date, e.as_of) ELSE e.days_in_treatment END AS time_day
  FROM episode_states e
),
scoped AS (
  SELECT 'all' AS scope, o.* FROM episode_outcomes o
  UNION ALL
  SELECT o.clinic_id AS scope, o.* FROM episode_outcomes o
),
