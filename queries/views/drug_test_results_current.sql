-- drug_test_results_current: the substance results of every current drug test, i.e. the
-- result rows written with the current version of a drug test in drug_tests_current.
--
-- Source: the lake table drug_test_results (one row per substance per change of a drug
-- test, written by the stream-to-lake Lambda or by backfill) and drug_tests.
-- Current test: the latest change per (clinic_id, event_id) by change_seq, unless that
-- change is a REMOVE (a retracted test has no current results). The results belong to
-- that exact change (same clinic_id, event_id, version and change_seq), so results of an
-- earlier version, or of a retracted incarnation of the same event id, never leak in.
-- Dedupes: a change delivered twice (at-least-once) is collapsed to one row per substance.
-- The drug_tests ranking is repeated here rather than read from drug_tests_current so
-- the view does not depend on the order in which views are created.
-- Columns: the drug_test_results columns except change_kind.
CREATE OR REPLACE VIEW drug_test_results_current AS
WITH current_tests AS (
  SELECT clinic_id, event_id, version, change_seq
  FROM (
    SELECT
      t.clinic_id,
      t.event_id,
      t.version,
      t.change_seq,
      t.change_kind,
      row_number() OVER (PARTITION BY t.clinic_id, t.event_id ORDER BY t.change_seq DESC) AS change_rank
    FROM drug_tests t
  ) ranked_tests
  WHERE change_rank = 1 AND change_kind <> 'REMOVE'
),
current_results AS (
  SELECT
    r.*,
    row_number() OVER (PARTITION BY r.clinic_id, r.event_id, r.substance ORDER BY r.change_seq DESC) AS result_rank
  FROM drug_test_results r
  JOIN current_tests c
    ON c.clinic_id = r.clinic_id
    AND c.event_id = r.event_id
    AND c.version = r.version
    AND c.change_seq = r.change_seq
)
SELECT
  r.change_seq,
  r.change_time,
  r.received_at,
  r.event_id,
  r.version,
  r.clinic_id,
  r.client_key,
  r.episode_id,
  r.scheduled_date,
  r.substance,
  r.result,
  r.prescribed
FROM current_results r
WHERE r.result_rank = 1
