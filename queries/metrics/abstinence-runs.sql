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
-- run_key: the number of not-negative tests up to each test. Consecutive negative tests
-- share it and the next negative run has a higher one, so (episode, target, run_key) over
-- the negative tests is exactly their runs; one window specification with lag, so one sort.
ordered AS (
  SELECT o.*,
         lag(o.outcome) OVER (PARTITION BY o.clinic_id, o.episode_id, o.target ORDER BY o.test_seq) AS previous_outcome,
         sum(CASE WHEN o.outcome = 'negative' THEN 0 ELSE 1 END) OVER (
           PARTITION BY o.clinic_id, o.episode_id, o.target ORDER BY o.test_seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
         ) AS run_key
  FROM test_outcomes o
),
negative_runs AS (
  SELECT clinic_id,
         episode_id,
         target,
         count(*) AS run_tests,
         date_diff('day', min(scheduled_date), max(scheduled_date)) AS run_span_days
  FROM ordered
  WHERE outcome = 'negative'
  GROUP BY clinic_id, episode_id, target, run_key
),
longest_runs AS (
  SELECT clinic_id,
         episode_id,
         target,
         max(run_tests) AS longest_tests,
         max(CAST(run_span_days + 7 AS DOUBLE) / 7E0) AS longest_weeks
  FROM negative_runs
  GROUP BY clinic_id, episode_id, target
),
episode_runs AS (
  SELECT o.clinic_id,
         o.episode_id,
         o.target,
         c.discharge_reason,
         count_if(o.outcome <> 'negative' AND o.previous_outcome <> 'negative') > 0 AS two_consecutive_positive,
         count_if(date_diff('day', o.scheduled_date, c.period_end) < 7 * p.final_weeks) AS final_tests,
         count_if(date_diff('day', o.scheduled_date, c.period_end) < 7 * p.final_weeks AND o.outcome <> 'negative') AS final_not_negative
  FROM ordered o
  JOIN abstinence_cohort c ON c.clinic_id = o.clinic_id AND c.episode_id = o.episode_id
  CROSS JOIN params p
  GROUP BY o.clinic_id, o.episode_id, o.target, c.discharge_reason
),
episode_summary AS (
  SELECT e.clinic_id,
         e.target,
         coalesce(l.longest_tests, 0) AS longest_tests,
         coalesce(l.longest_weeks, 0E0) AS longest_weeks,
         e.two_consecutive_positive,
         e.discharge_reason IS NOT NULL AS discharged,
         e.discharge_reason = 'completed' AND e.final_tests > 0 AS completer_with_final_tests,
         e.discharge_reason = 'completed' AND e.final_tests > 0 AND e.final_not_negative = 0 AS abstinent_at_end
  FROM episode_runs e
  LEFT JOIN longest_runs l ON l.clinic_id = e.clinic_id AND l.episode_id = e.episode_id AND l.target = e.target
),
scoped AS (
  SELECT CASE WHEN k.kind = 'all' THEN 'all' ELSE s.clinic_id END AS scope, s.*
  FROM episode_summary s
  CROSS JOIN (VALUES ('clinic'), ('all')) AS k (kind)
),
ranked AS (
  SELECT s.*,
         row_number() OVER (PARTITION BY scope, target ORDER BY longest_tests) AS rn_tests,
         row_number() OVER (PARTITION BY scope, target ORDER BY longest_weeks) AS rn_weeks,
         count(*) OVER (PARTITION BY scope, target) AS n
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
