-- Treatment-plan goals: goals set per episode, % completed, days from set to completed,
-- abandoned and revised goals, per clinic and overall, for all domains and each domain.
--
-- Definition: a goal is (clinic, episode, goal_id) of an episode in the cohort (admitted
--   on or before as_of, filters applied), with at least one goal event dated on or before
--   as_of (later events are ignored).
--   set date     the 'set' event's date (the earliest one); a goal sent without a 'set'
--                event counts as set on its first event's date
--   status       the action of the goal's latest event; on one day completed outranks
--                abandoned, which outranks revised, which outranks set
--   domain       the domain of the latest event (a revision may move a goal)
--   completed    status 'completed'; days_to_complete = its date − set date
--   abandoned    status 'abandoned'; open = status set or revised
--   revised      goals with at least one 'revised' event (revisions = how many), whatever
--                their status: counted separately, not as outcomes
-- Numerators/denominators:
--   goals_per_episode   goals ÷ episodes in the cohort (episodes without goals count)
--   completion_rate     completed ÷ goals (open goals stay in the denominator: compare
--                       cohorts of similar age, or read open_goals beside it)
--   abandoned_rate      abandoned ÷ goals
--   days set → completed: mean and median (type 7) over completed goals
-- Source: METRICS.md §5.
-- Wilson 95% intervals: lib/wilson.sql; medians: lib/quantile.sql.
--
-- @param as_of DATE: data cutoff; goal events after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to
),
goal_cohort AS (
  SELECT e.clinic_id, e.episode_id
  FROM episodes e
  CROSS JOIN params p
  WHERE e.admission_date <= p.as_of
    AND (p.clinic_id IS NULL OR e.clinic_id = p.clinic_id)
    AND (p.program_id IS NULL OR e.program_id = p.program_id)
    AND (p.cohort_from IS NULL OR e.admission_date >= p.cohort_from)
    AND (p.cohort_to IS NULL OR e.admission_date <= p.cohort_to)
),
goal_events AS (
  SELECT g.clinic_id,
         g.episode_id,
         g.goal_id,
         g.action,
         g.domain,
         g.action_date,
         row_number() OVER (
           PARTITION BY g.clinic_id, g.episode_id, g.goal_id
           ORDER BY g.action_date DESC,
                    CASE g.action WHEN 'completed' THEN 3 WHEN 'abandoned' THEN 2 WHEN 'revised' THEN 1 ELSE 0 END DESC,
                    g.event_id DESC
         ) AS recency
  FROM goals_current g
  JOIN goal_cohort c ON c.clinic_id = g.clinic_id AND c.episode_id = g.episode_id
  CROSS JOIN params p
  WHERE g.action_date <= p.as_of
),
goal_status AS (
  SELECT clinic_id,
         episode_id,
         goal_id,
         coalesce(min(CASE WHEN action = 'set' THEN action_date END), min(action_date)) AS set_date,
         max(CASE WHEN recency = 1 THEN action END) AS status,
         max(CASE WHEN recency = 1 THEN domain END) AS domain,
         max(CASE WHEN recency = 1 THEN action_date END) AS status_date,
         count_if(action = 'revised') AS revisions
  FROM goal_events
  GROUP BY clinic_id, episode_id, goal_id
),
goal_facts AS (
  SELECT s.*,
         CASE WHEN s.status = 'completed' THEN date_diff('day', s.set_date, s.status_date) END AS days_to_complete
  FROM goal_status s
),
goal_domains (domain, domain_order) AS (
  VALUES ('all', 0), ('sobriety', 1), ('employment', 2), ('housing', 3), ('health', 4),
         ('family', 5), ('education', 6), ('legal', 7), ('other', 8)
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE f.clinic_id END AS scope,
         d.domain AS reported_domain,
         f.*
  FROM goal_facts f
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  JOIN goal_domains d ON d.domain = 'all' OR d.domain = f.domain
),
completion_ranked AS (
  SELECT scope,
         reported_domain,
         days_to_complete,
         row_number() OVER (PARTITION BY scope, reported_domain ORDER BY days_to_complete) AS rn,
         count(*) OVER (PARTITION BY scope, reported_domain) AS n
  FROM scoped
  WHERE days_to_complete IS NOT NULL
),
completion_times AS (
  SELECT scope,
         reported_domain,
         avg(CAST(days_to_complete AS DOUBLE)) AS mean_days_to_complete,
         quantile_type7(days_to_complete, rn, n, 0.5E0) AS median_days_to_complete
  FROM completion_ranked
  GROUP BY scope, reported_domain
),
goal_counts AS (
  SELECT scope,
         reported_domain,
         count(*) AS goals,
         count(DISTINCT clinic_id || '/' || episode_id) AS episodes_with_goals,
         count_if(status = 'completed') AS completed,
         count_if(status = 'abandoned') AS abandoned,
         count_if(status IN ('set', 'revised')) AS open_goals,
         count_if(revisions > 0) AS revised_goals,
         sum(revisions) AS revisions
  FROM scoped
  GROUP BY scope, reported_domain
),
episode_counts AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE c.clinic_id END AS scope, count(*) AS episodes
  FROM goal_cohort c
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  GROUP BY CASE WHEN k.kind = 'all' THEN 'all' ELSE c.clinic_id END
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM goal_cohort
),
filled AS (
  SELECT s.scope,
         d.domain,
         d.domain_order,
         CAST(coalesce(e.episodes, 0) AS BIGINT) AS episodes,
         CAST(coalesce(g.episodes_with_goals, 0) AS BIGINT) AS episodes_with_goals,
         CAST(coalesce(g.goals, 0) AS BIGINT) AS goals,
         CAST(coalesce(g.completed, 0) AS BIGINT) AS completed,
         CAST(coalesce(g.abandoned, 0) AS BIGINT) AS abandoned,
         CAST(coalesce(g.open_goals, 0) AS BIGINT) AS open_goals,
         CAST(coalesce(g.revised_goals, 0) AS BIGINT) AS revised_goals,
         CAST(coalesce(g.revisions, 0) AS BIGINT) AS revisions,
         t.mean_days_to_complete,
         t.median_days_to_complete
  FROM scopes s
  CROSS JOIN goal_domains d
  LEFT JOIN episode_counts e ON e.scope = s.scope
  LEFT JOIN goal_counts g ON g.scope = s.scope AND g.reported_domain = d.domain
  LEFT JOIN completion_times t ON t.scope = s.scope AND t.reported_domain = d.domain
)
SELECT scope,
       domain,
       episodes,
       episodes_with_goals,
       goals,
       CAST(goals AS DOUBLE) / NULLIF(CAST(episodes AS DOUBLE), 0E0) AS goals_per_episode,
       completed,
       CAST(completed AS DOUBLE) / NULLIF(CAST(goals AS DOUBLE), 0E0) AS completion_rate,
       wilson_lower(completed, goals) AS completion_ci_lower,
       wilson_upper(completed, goals) AS completion_ci_upper,
       abandoned,
       CAST(abandoned AS DOUBLE) / NULLIF(CAST(goals AS DOUBLE), 0E0) AS abandoned_rate,
       wilson_lower(abandoned, goals) AS abandoned_ci_lower,
       wilson_upper(abandoned, goals) AS abandoned_ci_upper,
       open_goals,
       revised_goals,
       revisions,
       mean_days_to_complete,
       median_days_to_complete
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, domain_order
