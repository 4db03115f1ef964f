-- Abstinence over time from scheduled drug tests: longest abstinence, end-of-treatment
-- abstinence and two consecutive positive-or-missing tests, per clinic and overall, for
-- any substance, the primary substance and each test substance.
--
-- Definition: the scheduled tests and their per-target scoring of
--   lib/drug-test-outcomes.sql, in schedule order (date, then event id). Conservative
--   throughout: a missing test (missed, refused, invalid, inconclusive) is not negative.
-- Longest duration of abstinence (LDA): per episode, the longest run of consecutive
--   scheduled tests all negative (a missing test breaks the run), in tests and in weeks;
--   the run's weeks = (days from its first to its last test + 7) ÷ 7, i.e. each test
--   covers the week it opens (4 weekly negatives = 4 weeks; 1 negative = 1 week); the
--   longest in weeks is the maximum over runs (with irregular schedules it can be another
--   run than the longest in tests). 0 when no negative test. Mean and median (type 7)
--   over episodes.
-- Two consecutive positive-or-missing: episodes with >= 2 adjacent scheduled tests both
--   not negative ÷ episodes (POATS / XR-NTX style).
-- End-of-treatment abstinence: the final final_weeks weeks are the days
--   (period_end − 7·final_weeks, period_end], period_end = discharge date. Episodes still
--   open at as_of have not ended treatment and are in neither denominator.
--   completers:   discharged 'completed' with >= 1 scheduled test in the final weeks;
--                 abstinent = every such test negative.
--   all (ITT):    every episode discharged by as_of (any reason); abstinent = completed
--                 AND every final-weeks test negative (with >= 1 test); a non-completer
--                 counts as not abstinent (dropout = failure, CTN intention to treat).
-- Source: METRICS.md §3; DOMAIN-RESEARCH.md §3.1 (POATS no 2 consecutive positives; XR-NTX
--   "no positive or missing"; CTN-0044 final 4 weeks), §3.2 (LDA, end-of-treatment).
-- Wilson 95% intervals: lib/wilson.sql; medians: lib/quantile.sql.
--
-- @param as_of DATE: data cutoff; tests and discharges after it are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param program_id VARCHAR optional: one program, NULL = all programs
-- @param cohort_from DATE optional: first admission date of the cohort (inclusive)
-- @param cohort_to DATE optional: last admission date of the cohort (inclusive)
-- @param final_weeks INTEGER: weeks before discharge that end-of-treatment abstinence looks at
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS VARCHAR) AS program_id,
         CAST(? AS DATE) AS cohort_from,
         CAST(? AS DATE) AS cohort_to,
         CAST(? AS INTEGER) AS final_weeks
),
-- include: lib/drug-test-outcomes.sql
-- Everything below is computed from the negative tests of each (episode, target) and the
-- K scheduled tests of the episode; every other scheduled test is not negative.
-- run_key: test_seq − the test's rank among the episode's negative tests for the target =
-- the number of not-negative tests before it. Consecutive negative tests share it and the
-- next negative run has a higher one, so (episode, target, run_key) is exactly the runs.
negative_runs AS (
  SELECT n.episode_key,
         n.target_order,
         count(*) AS run_tests,
         min(n.test_seq) AS first_seq,
         max(n.test_seq) AS last_seq,
         date_diff('day', min(n.scheduled_date), max(n.scheduled_date)) AS run_span_days,
         count_if(n.days_to_end < 7 * p.final_weeks) AS final_negative
  FROM (
    SELECT o.episode_key,
           o.target_order,
           o.test_seq,
           o.scheduled_date,
           o.days_to_end,
           o.test_seq - row_number() OVER (PARTITION BY o.episode_key, o.target_order ORDER BY o.test_seq) AS run_key
    FROM observed_outcomes o
    WHERE o.outcome = 'negative'
  ) n
  CROSS JOIN params p
  GROUP BY n.episode_key, n.target_order, n.run_key
),
target_runs AS (
  SELECT episode_key,
         target_order,
         max(run_tests) AS longest_tests,
         max(CAST(run_span_days + 7 AS DOUBLE) / 7E0) AS longest_weeks,
         count(*) AS runs,
         sum(run_tests) AS negative_tests,
         min(first_seq) AS first_negative_seq,
         max(last_seq) AS last_negative_seq,
         sum(final_negative) AS final_negative
  FROM negative_runs
  GROUP BY episode_key, target_order
),
-- final_tests: the episode's scheduled tests in the final weeks (the same for every target).
episode_final_tests AS (
  SELECT s.episode_key,
         count_if(s.days_to_end < 7 * p.final_weeks) AS final_tests
  FROM scheduled_tests s
  CROSS JOIN params p
  GROUP BY s.episode_key
),
-- Two consecutive not-negative tests: the not-negative tests of the K form blocks between
-- the negative runs, and the number of adjacent not-negative pairs is (not-negative tests −
-- blocks). Blocks and runs alternate, so blocks = runs + 1 − (first test negative) − (last
-- test negative); with no negative test, 1 block of K tests.
episode_summary AS (
  SELECT a.clinic_id,
         a.target,
         a.target_order,
         coalesce(r.longest_tests, 0) AS longest_tests,
         coalesce(r.longest_weeks, 0E0) AS longest_weeks,
         (a.scheduled_tests - coalesce(r.negative_tests, 0))
           - (coalesce(r.runs, 0) + 1
              - CASE WHEN r.first_negative_seq = 1 THEN 1 ELSE 0 END
              - CASE WHEN r.last_negative_seq = a.scheduled_tests THEN 1 ELSE 0 END) > 0 AS two_consecutive_positive,
         c.discharge_reason IS NOT NULL AS discharged,
         c.discharge_reason = 'completed' AND f.final_tests > 0 AS completer_with_final_tests,
         c.discharge_reason = 'completed' AND f.final_tests > 0 AND f.final_tests = coalesce(r.final_negative, 0) AS abstinent_at_end
  FROM applicable_targets a
  JOIN abstinence_cohort c ON c.episode_key = a.episode_key
  JOIN episode_final_tests f ON f.episode_key = a.episode_key
  LEFT JOIN target_runs r ON r.episode_key = a.episode_key AND r.target_order = a.target_order
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE s.clinic_id END AS scope, s.*
  FROM episode_summary s
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
),
ranked AS (
  SELECT s.*,
         row_number() OVER (PARTITION BY scope, target_order ORDER BY longest_tests) AS rn_tests,
         row_number() OVER (PARTITION BY scope, target_order ORDER BY longest_weeks) AS rn_weeks,
         count(*) OVER (PARTITION BY scope, target_order) AS n
  FROM scoped s
),
summary AS (
  SELECT scope,
         target,
         count(*) AS episodes,
         avg(CAST(longest_tests AS DOUBLE)) AS mean_longest_run_tests,
         quantile_type7(longest_tests, rn_tests, n, 0.5E0) AS median_longest_run_tests,
         avg(longest_weeks) AS mean_longest_run_weeks,
         quantile_type7(longest_weeks, rn_weeks, n, 0.5E0) AS median_longest_run_weeks,
         count_if(two_consecutive_positive) AS two_consecutive_positive,
         count_if(completer_with_final_tests) AS end_completers,
         count_if(abstinent_at_end) AS end_completers_abstinent,
         count_if(discharged) AS end_discharged
  FROM ranked
  GROUP BY scope, target
),
filled AS (
  SELECT s.scope,
         t.target,
         t.target_order,
         CAST(coalesce(m.episodes, 0) AS BIGINT) AS episodes,
         m.mean_longest_run_tests,
         m.median_longest_run_tests,
         m.mean_longest_run_weeks,
         m.median_longest_run_weeks,
         CAST(coalesce(m.two_consecutive_positive, 0) AS BIGINT) AS two_consecutive_positive,
         CAST(coalesce(m.end_completers, 0) AS BIGINT) AS end_completers,
         CAST(coalesce(m.end_completers_abstinent, 0) AS BIGINT) AS end_abstinent,
         CAST(coalesce(m.end_discharged, 0) AS BIGINT) AS end_discharged
  FROM abstinence_scopes s
  CROSS JOIN abstinence_targets t
  LEFT JOIN summary m ON m.scope = s.scope AND m.target = t.target
)
SELECT scope,
       target,
       episodes,
       mean_longest_run_tests,
       median_longest_run_tests,
       mean_longest_run_weeks,
       median_longest_run_weeks,
       two_consecutive_positive,
       CAST(two_consecutive_positive AS DOUBLE) / NULLIF(CAST(episodes AS DOUBLE), 0E0) AS two_consecutive_positive_rate,
       wilson_lower(two_consecutive_positive, episodes) AS two_consecutive_positive_ci_lower,
       wilson_upper(two_consecutive_positive, episodes) AS two_consecutive_positive_ci_upper,
       end_completers,
       end_abstinent,
       CAST(end_abstinent AS DOUBLE) / NULLIF(CAST(end_completers AS DOUBLE), 0E0) AS end_completer_rate,
       wilson_lower(end_abstinent, end_completers) AS end_completer_ci_lower,
       wilson_upper(end_abstinent, end_completers) AS end_completer_ci_upper,
       end_discharged,
       CAST(end_abstinent AS DOUBLE) / NULLIF(CAST(end_discharged AS DOUBLE), 0E0) AS end_itt_rate,
       wilson_lower(end_abstinent, end_discharged) AS end_itt_ci_lower,
       wilson_upper(end_abstinent, end_discharged) AS end_itt_ci_upper
FROM filled
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope, target_order
