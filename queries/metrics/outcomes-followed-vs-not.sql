-- Attrition check for the six-month outcomes: intake answers of clients who were
-- followed up versus clients who were due but not followed, per clinic and overall.
-- If they differ at intake, the matched-pair outcomes (outcomes.sql) describe a selected
-- group, not the whole cohort.
--
-- Definition: episodes whose follow-up window has closed by as_of (deceased excluded, as
--   in follow-up.sql) and that have a completed intake interview (the first one on or
--   before as_of). followed = a completed six-month interview inside the window.
--   Domains as in outcomes.sql (abstinent, employed_or_in_school, no_arrests,
--   stably_housed, social_support), from the intake interview only; the interview
--   choice and domain answers are those of lib/outcome-interviews.sql.
-- Numerators/denominators, for each group: <group>_yes ÷ <group>_n, where n counts
--   episodes with the item non-missing at intake. difference_points = 100·(followed % −
--   not-followed %), NULL when a group is empty.
-- Source: METRICS.md §6 ("an intake comparison of followed vs not-followed clients");
--   DOMAIN-RESEARCH.md §4.2 (retention-bias table, National Academies CARA review).
-- Wilson 95% intervals: lib/wilson.sql.
--
-- @param as_of DATE: data cutoff; interviews and discharges after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param follow_up_window_start_months INTEGER: window opens this many months after admission (0-24)
-- @param follow_up_window_end_months INTEGER: window closes this many months after admission (0-24, inclusive)
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS INTEGER) AS follow_up_window_start_months,
         CAST(? AS INTEGER) AS follow_up_window_end_months
),
-- include: lib/follow-up-windows.sql
-- include: lib/outcome-interviews.sql
answers AS (
  SELECT f.clinic_id, f.followed, i.domain, i.yes
  FROM follow_up_status f
  JOIN outcome_answers i
    ON i.timepoint = 'intake' AND i.clinic_id = f.clinic_id AND i.episode_id = f.episode_id
  WHERE f.window_state = 'closed'
    AND NOT f.deceased
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE a.clinic_id END AS scope, a.followed, a.domain, a.yes
  FROM answers a
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  WHERE a.yes IS NOT NULL
),
counts AS (
  SELECT scope,
         domain,
         count_if(followed) AS followed_n,
         count_if(followed AND yes) AS followed_yes,
         count_if(NOT followed) AS not_followed_n,
         count_if(NOT followed AND yes) AS not_followed_yes
  FROM scoped
  GROUP BY scope, domain
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM follow_up_cohort
),
filled AS (
  SELECT s.scope,
         d.domain,
         d.domain_order,
         CAST(coalesce(c.followed_n, 0) AS BIGINT) AS followed_n,
         CAST(coalesce(c.followed_yes, 0) AS BIGINT) AS followed_yes,
         CAST(coalesce(c.not_followed_n, 0) AS BIGINT) AS not_followed_n,
         CAST(coalesce(c.not_followed_yes, 0) AS BIGINT) AS not_followed_yes
  FROM scopes s
  CROSS JOIN outcome_domains d
  LEFT JOIN counts c ON c.scope = s.scope AND c.domain = d.domain
)
SELECT scope,
       domain,
       followed_n,
       followed_yes,
       CAST(followed_yes AS DOUBLE) / NULLIF(CAST(followed_n AS DOUBLE), 0E0) AS followed_rate,
       wilson_lower(followed_yes, followed_n) AS followed_ci_lower,
       wilson_upper(followed_yes, followed_n) AS followed_ci_upper,
       not_followed_n,
       not_followed_yes,
       CAST(not_followed_yes AS DOUBLE) / NULLIF(CAST(not_followed_n AS DOUBLE), 0E0) AS not_followed_rate,
       wilson_lower(not_followed_yes, not_followed_n) AS not_followed_ci_lower,
       wilson_upper(not_followed_yes, not_followed_n) AS not_followed_ci_upper,
       100E0 * (CAST(followed_yes AS DOUBLE) / NULLIF(CAST(followed_n AS DOUBLE), 0E0)
                - CAST(not_followed_yes AS DOUBLE) / NULLIF(CAST(not_followed_n AS DOUBLE), 0E0)) AS difference_points
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, domain_order
