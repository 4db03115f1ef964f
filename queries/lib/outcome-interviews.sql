-- Outcome interviews (fragment; included by outcomes and outcomes-followed-vs-not): which
-- interviews form an episode's intake / six-month pair, stated once.
--
-- Needs the including file's params CTE (as_of) and lib/follow-up-windows.sql included
-- before it (six_month_interviews carries the window test).
--
-- outcome_interviews: at most one row per (timepoint, episode), the first by date, then
--             event id (so same-day interviews resolve deterministically):
--               'intake'     the first completed intake interview on or before as_of;
--               'follow_up'  the first completed six-month interview inside the follow-up
--                            window (six_month_interviews is already cut at as_of).
--             Interviews outside the window are not follow-ups.
-- outcome_domains: the five domains and their display order.
-- outcome_answers: one row per (timepoint 'intake' | 'follow_up', episode, domain) with
--             yes = the domain's yes/no answer, NULL when the item is missing (each metric
--             drops a missing answer from that domain only):
--               abstinent              days_used_past_30 = 0
--               employed_or_in_school  employed_or_in_school
--               no_arrests             arrests_past_30 = 0
--               stably_housed          stably_housed
--               social_support         social_support
outcome_interviews AS (
  SELECT timepoint,
         clinic_id,
         episode_id,
         days_used_past_30,
         employed_or_in_school,
         arrests_past_30,
         stably_housed,
         social_support
  FROM (
    SELECT c.*,
           row_number() OVER (PARTITION BY c.timepoint, c.clinic_id, c.episode_id ORDER BY c.interview_date, c.event_id) AS pick
    FROM (
      SELECT 'intake' AS timepoint,
             a.clinic_id, a.episode_id, a.interview_date, a.event_id,
             a.days_used_past_30, a.employed_or_in_school, a.arrests_past_30, a.stably_housed, a.social_support
      FROM assessments_current a
      CROSS JOIN params p
      WHERE a.timepoint = 'intake'
        AND a.status = 'completed'
        AND a.interview_date <= p.as_of
      UNION ALL
      SELECT 'follow_up' AS timepoint,
             s.clinic_id, s.episode_id, s.interview_date, s.event_id,
             s.days_used_past_30, s.employed_or_in_school, s.arrests_past_30, s.stably_housed, s.social_support
      FROM six_month_interviews s
      WHERE s.status = 'completed'
        AND s.in_window
    ) c
  ) ranked
  WHERE pick = 1
),
outcome_domains (domain, domain_order) AS (
  VALUES ('abstinent', 0), ('employed_or_in_school', 1), ('no_arrests', 2), ('stably_housed', 3), ('social_support', 4)
),
outcome_answers AS (
  SELECT o.timepoint,
         o.clinic_id,
         o.episode_id,
         d.domain,
         CASE d.domain
           WHEN 'abstinent' THEN o.days_used_past_30 = 0
           WHEN 'employed_or_in_school' THEN o.employed_or_in_school
           WHEN 'no_arrests' THEN o.arrests_past_30 = 0
           WHEN 'stably_housed' THEN o.stably_housed
           WHEN 'social_support' THEN o.social_support
         END AS yes
  FROM outcome_interviews o
  CROSS JOIN outcome_domains d
),
