-- Fragment: every scheduled drug test of every episode, scored per target, shared by
-- abstinence.sql and abstinence-runs.sql so "negative" has one meaning.
-- Needs a params CTE with as_of, clinic_id, program_id, cohort_from, cohort_to. Defines:
--   abstinence_cohort  episodes admitted on or before as_of that pass the filters, with
--                      period_end = min(discharge, as_of) (a discharge after as_of is not visible)
--                      and episode_key, a number per episode of the cohort: the rows below are
--                      keyed by (episode_key, target_order) integers, which DuckDB hashes and
--                      sorts far faster than (clinic_id, episode_id, target) strings (ADR 0125)
--   scheduled_tests    tests scheduled from admission to period_end (both inclusive), numbered
--                      test_seq = 1..K in schedule order (date, then event id: two tests on
--                      one day are two tests), with days_to_end = days from the test to period_end
--   applicable_targets one row per (episode, target that applies to it): clinic_id,
--                      episode_key, target, target_order and the episode's K >= 1 scheduled tests
--   observed_outcomes  one row per (episode_key, target_order, test_seq) whose outcome
--                      is 'negative' or 'positive'; every other scheduled test of an applicable
--                      target is 'missing'. Only the observed tests are rows: a test with an
--                      observed outcome has a target analyte reported, so its target applies,
--                      and the metrics read K from applicable_targets instead of materialising
--                      every (episode, target, test) — ADR 0125.
-- Targets: 'any' (every substance tested), 'primary' (the substances of the episode's
-- primary substance, map below) and each test substance on its own.
-- Scoring of a test for a target (METRICS.md §3; DOMAIN-RESEARCH.md §3.2; ADR 0061):
--   missed, refused, invalid specimen          → missing
--   any target analyte positive, not prescribed → positive
--   else any target analyte inconclusive       → missing (a negative cannot be confirmed)
--   else any target analyte negative           → negative (a prescribed positive —
--                                                 buprenorphine, methadone, … — is not illicit use)
--   else (target analyte not reported)         → missing
-- The conservative rule then counts missing as positive; the observed-only variant drops it.
-- A single-substance target applies to an episode only when that substance was reported on
-- at least one of its collected specimens (its panel), so a clinic that never tests for a
-- substance is not scored on it. 'any' and 'primary' also apply when no specimen was ever
-- collected (every scheduled test missing: all positive under the conservative rule).
-- Primary substance map: alcohol → alcohol; opioids → opioids, fentanyl, buprenorphine,
-- methadone; stimulants → cocaine, amphetamines; cannabis → cannabis; benzodiazepines →
-- benzodiazepines; other → every substance (same as 'any').
abstinence_cohort AS (
  SELECT e.clinic_id,
         e.program_id,
         e.episode_id,
         row_number() OVER (ORDER BY e.clinic_id, e.episode_id) AS episode_key,
         e.admission_date,
         e.primary_substance,
         CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_date END AS discharge_date,
         CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_reason END AS discharge_reason,
         CASE WHEN e.discharge_date <= p.as_of THEN e.discharge_date ELSE p.as_of END AS period_end
  FROM episodes e
  CROSS JOIN params p
  WHERE e.admission_date <= p.as_of
    AND (p.clinic_id IS NULL OR e.clinic_id = p.clinic_id)
    AND (p.program_id IS NULL OR e.program_id = p.program_id)
    AND (p.cohort_from IS NULL OR e.admission_date >= p.cohort_from)
    AND (p.cohort_to IS NULL OR e.admission_date <= p.cohort_to)
),
scheduled_tests AS (
  SELECT c.clinic_id,
         c.episode_key,
         c.primary_substance,
         t.event_id,
         t.scheduled_date,
         date_diff('day', t.scheduled_date, c.period_end) AS days_to_end,
         t.status <> 'collected' AS specimen_missing,
         row_number() OVER (PARTITION BY c.episode_key ORDER BY t.scheduled_date, t.event_id) AS test_seq
  FROM abstinence_cohort c
  JOIN drug_tests_current t
    ON t.clinic_id = c.clinic_id
   AND t.episode_id = c.episode_id
  WHERE t.scheduled_date >= c.admission_date
    AND t.scheduled_date <= c.period_end
),
analyte_results AS (
  SELECT s.episode_key,
         s.primary_substance,
         s.test_seq,
         s.scheduled_date,
         s.days_to_end,
         r.substance,
         CASE
           WHEN r.result = 'negative' THEN 'negative'
           WHEN r.result = 'positive' AND coalesce(r.prescribed, false) THEN 'negative'
           WHEN r.result = 'positive' THEN 'positive'
           ELSE 'inconclusive'
         END AS outcome
  FROM scheduled_tests s
  JOIN drug_test_results_current r
    ON r.clinic_id = s.clinic_id
   AND r.event_id = s.event_id
  WHERE NOT s.specimen_missing
),
test_substances (substance, substance_order) AS (
  VALUES ('alcohol', 2), ('opioids', 3), ('fentanyl', 4), ('buprenorphine', 5), ('methadone', 6),
         ('cocaine', 7), ('amphetamines', 8), ('cannabis', 9), ('benzodiazepines', 10)
),
primary_substance_map (primary_substance, substance) AS (
  VALUES ('alcohol', 'alcohol'),
         ('opioids', 'opioids'), ('opioids', 'fentanyl'), ('opioids', 'buprenorphine'), ('opioids', 'methadone'),
         ('stimulants', 'cocaine'), ('stimulants', 'amphetamines'),
         ('cannabis', 'cannabis'),
         ('benzodiazepines', 'benzodiazepines'),
         ('other', 'alcohol'), ('other', 'opioids'), ('other', 'fentanyl'), ('other', 'buprenorphine'),
         ('other', 'methadone'), ('other', 'cocaine'), ('other', 'amphetamines'), ('other', 'cannabis'),
         ('other', 'benzodiazepines')
),
abstinence_targets (target, target_order) AS (
  SELECT 'any', 0
  UNION ALL
  SELECT 'primary', 1
  UNION ALL
  SELECT substance, substance_order FROM test_substances
),
-- The panel: the substances reported on the episode's collected scheduled tests.
episode_panel AS (
  SELECT DISTINCT episode_key, substance FROM analyte_results
),
-- Per episode: its K scheduled tests (episodes with K = 0 have no test to score) and how
-- many panel substances are any test substance, and of its primary substance's map.
episode_targets AS (
  SELECT c.clinic_id,
         c.episode_key,
         c.primary_substance,
         k.scheduled_tests,
         count(p.substance) AS panel_size,
         count(s.substance) AS panel_test_substances,
         count(m.substance) AS panel_primary_substances
  FROM abstinence_cohort c
  JOIN (SELECT episode_key, count(*) AS scheduled_tests FROM scheduled_tests GROUP BY episode_key) k
    ON k.episode_key = c.episode_key
  LEFT JOIN episode_panel p ON p.episode_key = c.episode_key
  LEFT JOIN test_substances s ON s.substance = p.substance
  LEFT JOIN primary_substance_map m ON m.primary_substance = c.primary_substance AND m.substance = p.substance
  GROUP BY c.clinic_id, c.episode_key, c.primary_substance, k.scheduled_tests
),
-- A target applies when one of its substances is in the panel; 'any' and 'primary' also
-- when the panel is empty ('primary' only for a primary substance of the map).
applicable_targets AS (
  SELECT clinic_id, episode_key, 'any' AS target, 0 AS target_order, scheduled_tests
  FROM episode_targets
  WHERE panel_test_substances > 0 OR panel_size = 0
  UNION ALL
  SELECT clinic_id, episode_key, 'primary', 1, scheduled_tests
  FROM episode_targets
  WHERE panel_primary_substances > 0
     OR (panel_size = 0 AND primary_substance IN (SELECT primary_substance FROM primary_substance_map))
  UNION ALL
  SELECT e.clinic_id, e.episode_key, s.substance, s.substance_order, e.scheduled_tests
  FROM episode_targets e
  JOIN episode_panel p ON p.episode_key = e.episode_key
  JOIN test_substances s ON s.substance = p.substance
),
target_result_counts AS (
  -- A single-substance target: the test's one result for that substance (results are one
  -- row per substance per test), so no grouping is needed.
  SELECT r.episode_key,
         s.substance_order AS target_order,
         r.test_seq,
         r.scheduled_date,
         r.days_to_end,
         CASE WHEN r.outcome = 'positive' THEN 1 ELSE 0 END AS positives,
         CASE WHEN r.outcome = 'inconclusive' THEN 1 ELSE 0 END AS inconclusives,
         CASE WHEN r.outcome = 'negative' THEN 1 ELSE 0 END AS negatives
  FROM analyte_results r
  JOIN test_substances s ON s.substance = r.substance
  UNION ALL
  SELECT r.episode_key,
         0 AS target_order,
         r.test_seq,
         r.scheduled_date,
         r.days_to_end,
         count_if(r.outcome = 'positive') AS positives,
         count_if(r.outcome = 'inconclusive') AS inconclusives,
         count_if(r.outcome = 'negative') AS negatives
  FROM analyte_results r
  JOIN test_substances s ON s.substance = r.substance
  GROUP BY r.episode_key, r.test_seq, r.scheduled_date, r.days_to_end
  UNION ALL
  SELECT r.episode_key,
         1 AS target_order,
         r.test_seq,
         r.scheduled_date,
         r.days_to_end,
         count_if(r.outcome = 'positive') AS positives,
         count_if(r.outcome = 'inconclusive') AS inconclusives,
         count_if(r.outcome = 'negative') AS negatives
  FROM analyte_results r
  JOIN primary_substance_map m ON m.primary_substance = r.primary_substance AND m.substance = r.substance
  GROUP BY r.episode_key, r.test_seq, r.scheduled_date, r.days_to_end
),
observed_outcomes AS (
  SELECT episode_key, target_order, test_seq, scheduled_date, days_to_end, outcome
  FROM (
    SELECT r.*,
           CASE
             WHEN r.positives > 0 THEN 'positive'
             WHEN r.inconclusives > 0 THEN 'missing'
             WHEN r.negatives > 0 THEN 'negative'
             ELSE 'missing'
           END AS outcome
    FROM target_result_counts r
  ) scored
  WHERE outcome <> 'missing'
),
abstinence_scopes AS (
  SELECT 'all' AS scope
  UNION
  SELECT DISTINCT clinic_id FROM abstinence_cohort
),
