-- Six-month outcomes on matched pairs (GPRA / SUPRT style), per clinic and overall,
-- for all episodes, completers and non-completers, in five domains.
--
-- Definition: a matched pair is an episode with a completed intake interview (the first
--   one on or before as_of) AND a completed six-month interview inside the follow-up
--   window (the first one; see lib/follow-up-windows.sql), with the domain's item
--   non-missing at both. Interview choice and domains are stated in
--   lib/outcome-interviews.sql (yes/no per interview):
--     abstinent              days_used_past_30 = 0
--     employed_or_in_school  employed_or_in_school
--     no_arrests             arrests_past_30 = 0
--     stably_housed          stably_housed
--     social_support         social_support
-- Numerators: intake_yes, follow_up_yes (pairs with "yes" at each time).
-- Denominator: pairs (the same clients at both times).
-- Change: change_points = 100·(follow-up % − intake %) in percentage points;
--   relative_change_pct = 100·(follow-up % − intake %) / intake %, NULL when intake % = 0.
-- McNemar: yes_to_no (b) and no_to_yes (c) are the discordant pairs.
--   mcnemar_statistic = (|b − c| − 1)² / (b + c), continuity-corrected as R's mcnemar.test
--   (0 when b = c); mcnemar_p_value = exact two-sided binomial p = min(1, 2·P(X <= min(b, c))),
--   X ~ Binomial(b + c, 1/2), computed from log binomial coefficients over a numbers table
--   (min(b, c) up to 9999). Exact for every n, so no normal/chi-square CDF is needed
--   (Trino has no erf and DuckDB no chi-square CDF). NULL when b + c = 0. See ADR 0060.
-- Groups: completers = discharged 'completed' by as_of; non_completers = discharged by
--   as_of for any other reason; episodes still open at as_of are only in 'all'.
-- Missing data: no pair without both interviews; an item missing at either time drops the
--   pair from that domain only. Interviews outside the window are not follow-ups.
-- Source: METRICS.md §6; DOMAIN-RESEARCH.md §4.2 (matched pairs, % change, McNemar;
--   SABG Table 14 denominators = non-missing values).
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
  SELECT f.clinic_id,
         CASE
           WHEN f.discharge_reason IS NULL THEN NULL
           WHEN f.discharge_reason = 'completed' THEN 'completers'
           ELSE 'non_completers'
         END AS completion_group,
         i.domain,
         i.yes AS intake_yes,
         u.yes AS follow_up_yes
  FROM follow_up_cohort f
  JOIN outcome_answers i
    ON i.timepoint = 'intake' AND i.clinic_id = f.clinic_id AND i.episode_id = f.episode_id
  JOIN outcome_answers u
    ON u.timepoint = 'follow_up' AND u.clinic_id = f.clinic_id AND u.episode_id = f.episode_id AND u.domain = i.domain
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE a.clinic_id END AS scope,
         g.completion_group,
         a.domain,
         a.intake_yes,
         a.follow_up_yes
  FROM answers a
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
  JOIN (VALUES ('all'), ('completers'), ('non_completers')) AS g (completion_group)
    ON g.completion_group = 'all' OR g.completion_group = a.completion_group
  WHERE a.intake_yes IS NOT NULL
    AND a.follow_up_yes IS NOT NULL
),
tables AS (
  SELECT scope,
         completion_group,
         domain,
         count(*) AS pairs,
         count_if(intake_yes) AS intake_yes,
         count_if(follow_up_yes) AS follow_up_yes,
         count_if(intake_yes AND NOT follow_up_yes) AS yes_to_no,
         count_if(follow_up_yes AND NOT intake_yes) AS no_to_yes
  FROM scoped
  GROUP BY scope, completion_group, domain
),
digits (d) AS (
  VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)
),
numbers AS (
  SELECT ones.d + 10 * tens.d + 100 * hundreds.d + 1000 * thousands.d AS k
  FROM digits ones
  CROSS JOIN digits tens
  CROSS JOIN digits hundreds
  CROSS JOIN digits thousands
),
-- ln C(n, k) as a running sum of ln((n − i + 1) / i), i = 1..k, for k = 0..min(b, c).
binomial_tail AS (
  SELECT t.scope,
         t.completion_group,
         t.domain,
         t.yes_to_no + t.no_to_yes AS discordant,
         sum(CASE WHEN n.k = 0 THEN 0E0
                  ELSE ln(CAST(t.yes_to_no + t.no_to_yes - n.k + 1 AS DOUBLE)) - ln(CAST(n.k AS DOUBLE)) END)
           OVER (PARTITION BY t.scope, t.completion_group, t.domain ORDER BY n.k
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ln_choose
  FROM tables t
  JOIN numbers n ON n.k <= least(t.yes_to_no, t.no_to_yes)
  WHERE t.yes_to_no + t.no_to_yes > 0
),
exact_p AS (
  SELECT scope,
         completion_group,
         domain,
         least(1E0, 2E0 * sum(exp(ln_choose - CAST(discordant AS DOUBLE) * ln(2E0)))) AS p_value
  FROM binomial_tail
  GROUP BY scope, completion_group, domain
),
scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM follow_up_cohort
),
grid AS (
  SELECT s.scope, g.completion_group, d.domain, d.domain_order
  FROM scopes s
  CROSS JOIN (VALUES ('all', 0), ('completers', 1), ('non_completers', 2)) AS g (completion_group, group_order)
  CROSS JOIN outcome_domains d
),
filled AS (
  SELECT g.scope,
         g.completion_group,
         g.domain,
         g.domain_order,
         CAST(coalesce(t.pairs, 0) AS BIGINT) AS pairs,
         CAST(coalesce(t.intake_yes, 0) AS BIGINT) AS intake_yes,
         CAST(coalesce(t.follow_up_yes, 0) AS BIGINT) AS follow_up_yes,
         CAST(coalesce(t.yes_to_no, 0) AS BIGINT) AS yes_to_no,
         CAST(coalesce(t.no_to_yes, 0) AS BIGINT) AS no_to_yes,
         e.p_value
  FROM grid g
  LEFT JOIN tables t ON t.scope = g.scope AND t.completion_group = g.completion_group AND t.domain = g.domain
  LEFT JOIN exact_p e ON e.scope = g.scope AND e.completion_group = g.completion_group AND e.domain = g.domain
)
SELECT scope,
       completion_group,
       domain,
       pairs,
       intake_yes,
       follow_up_yes,
       CAST(intake_yes AS DOUBLE) / NULLIF(CAST(pairs AS DOUBLE), 0E0) AS intake_rate,
       wilson_lower(intake_yes, pairs) AS intake_ci_lower,
       wilson_upper(intake_yes, pairs) AS intake_ci_upper,
       CAST(follow_up_yes AS DOUBLE) / NULLIF(CAST(pairs AS DOUBLE), 0E0) AS follow_up_rate,
       wilson_lower(follow_up_yes, pairs) AS follow_up_ci_lower,
       wilson_upper(follow_up_yes, pairs) AS follow_up_ci_upper,
       100E0 * CAST(follow_up_yes - intake_yes AS DOUBLE) / NULLIF(CAST(pairs AS DOUBLE), 0E0) AS change_points,
       100E0 * CAST(follow_up_yes - intake_yes AS DOUBLE) / NULLIF(CAST(intake_yes AS DOUBLE), 0E0) AS relative_change_pct,
       yes_to_no,
       no_to_yes,
       CASE
         WHEN yes_to_no + no_to_yes = 0 THEN NULL
         WHEN yes_to_no = no_to_yes THEN 0E0
         ELSE power(CAST(abs(yes_to_no - no_to_yes) AS DOUBLE) - 1E0, 2E0) / CAST(yes_to_no + no_to_yes AS DOUBLE)
       END AS mcnemar_statistic,
       p_value AS mcnemar_p_value
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope,
         CASE completion_group WHEN 'all' THEN 0 WHEN 'completers' THEN 1 ELSE 2 END,
         domain_order
