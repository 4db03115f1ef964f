-- Abstinence from scheduled drug tests: % negative (conservative and observed-only),
-- missing tests and the mean per-client % negative, per clinic and overall, for any
-- substance, the primary substance and each test substance.
--
-- Definition: per episode, the K scheduled tests between admission and min(discharge,
--   as_of), both inclusive, scored per target by lib/drug-test-outcomes.sql (missed,
--   refused, invalid or inconclusive = missing; prescribed positives are not illicit use).
-- Numerators/denominators:
--   negative_rate           negative_tests ÷ scheduled_tests (conservative, default:
--                           missing counts as positive — NIDA CTN convention)
--   observed_negative_rate  negative_tests ÷ observed_tests (observed-only: missing dropped)
--   missing_tests           scheduled_tests − observed_tests, always shown beside both
--   mean_client_negative_rate           mean over episodes with K >= 1 of negative ÷ K
--   mean_client_observed_negative_rate  mean over episodes with >= 1 observed test of
--                                       negative ÷ observed (observed_episodes of them)
-- episodes = episodes with at least one scheduled test to which the target applies.
-- Missing data: see the scoring rules; an episode without scheduled tests is in no row.
-- Source: METRICS.md §3; DOMAIN-RESEARCH.md §3.1 (McPherson 2012: missing = positive
--   imputation, CTN-0003), §3.2 (metric table).
-- Wilson 95% intervals: lib/wilson.sql.
--
-- @param as_of DATE: data cutoff; tests and discharges after it are ignored
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
-- include: lib/drug-test-outcomes.sql
-- Per episode and applicable target: its K scheduled tests, and of them the observed
-- (negative or positive) and negative ones; every other scheduled test is missing.
target_observed AS (
  SELECT episode_key,
         target_order,
         count(*) AS observed,
         count_if(outcome = 'negative') AS negative
  FROM observed_outcomes
  GROUP BY episode_key, target_order
),
episode_rates AS (
  SELECT a.clinic_id,
         a.target,
         a.scheduled_tests AS scheduled,
         coalesce(o.observed, 0) AS observed,
         coalesce(o.negative, 0) AS negative
  FROM applicable_targets a
  LEFT JOIN target_observed o ON o.episode_key = a.episode_key AND o.target_order = a.target_order
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE r.clinic_id END AS scope, r.*
  FROM episode_rates r
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
),
summary AS (
  SELECT scope,
         target,
         count(*) AS episodes,
         count_if(observed > 0) AS observed_episodes,
         sum(scheduled) AS scheduled_tests,
         sum(observed) AS observed_tests,
         sum(negative) AS negative_tests,
         avg(CAST(negative AS DOUBLE) / CAST(scheduled AS DOUBLE)) AS mean_client_negative_rate,
         avg(CASE WHEN observed > 0 THEN CAST(negative AS DOUBLE) / CAST(observed AS DOUBLE) END) AS mean_client_observed_negative_rate
  FROM scoped
  GROUP BY scope, target
),
filled AS (
  SELECT s.scope,
         t.target,
         t.target_order,
         CAST(coalesce(m.episodes, 0) AS BIGINT) AS episodes,
         CAST(coalesce(m.scheduled_tests, 0) AS BIGINT) AS scheduled_tests,
         CAST(coalesce(m.observed_tests, 0) AS BIGINT) AS observed_tests,
         CAST(coalesce(m.negative_tests, 0) AS BIGINT) AS negative_tests,
         CAST(coalesce(m.observed_episodes, 0) AS BIGINT) AS observed_episodes,
         m.mean_client_negative_rate,
         m.mean_client_observed_negative_rate
  FROM abstinence_scopes s
  CROSS JOIN abstinence_targets t
  LEFT JOIN summary m ON m.scope = s.scope AND m.target = t.target
)
SELECT scope,
       target,
       episodes,
       scheduled_tests,
       CAST(scheduled_tests - observed_tests AS BIGINT) AS missing_tests,
       observed_tests,
       negative_tests,
       CAST(negative_tests AS DOUBLE) / NULLIF(CAST(scheduled_tests AS DOUBLE), 0E0) AS negative_rate,
       wilson_lower(negative_tests, scheduled_tests) AS negative_ci_lower,
       wilson_upper(negative_tests, scheduled_tests) AS negative_ci_upper,
       CAST(negative_tests AS DOUBLE) / NULLIF(CAST(observed_tests AS DOUBLE), 0E0) AS observed_negative_rate,
       wilson_lower(negative_tests, observed_tests) AS observed_negative_ci_lower,
       wilson_upper(negative_tests, observed_tests) AS observed_negative_ci_upper,
       mean_client_negative_rate,
       observed_episodes,
       mean_client_observed_negative_rate
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, target_order
