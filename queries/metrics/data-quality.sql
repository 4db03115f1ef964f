-- Data quality of the lake behind the dashboard, per clinic and overall.
--
-- Definition (one row per scope: each clinic id, and 'all'):
--   events               distinct events whose latest change is not a retraction
--   corrections          events that reached a version above 1 (a correction was sent)
--   retractions          events with a REMOVE change (retracted by the clinic)
--   late_events          event versions received more than late_after_days after the date
--                        the event describes (admission, session, test, goal action,
--                        discharge or interview date)
--   duplicate_deliveries lake rows beyond the first for the same change (the stream is
--                        at-least-once; the _current views dedupe them, this counts them)
--   last_change_at       latest change time in the lake; the refresh turns it into lake lag
-- Numerator/denominator: plain counts, no rates.
-- Missing data: an empty lake gives an 'all' row with zero counts and NULL last_change_at.
-- Source: ARCHITECTURE.md (events are facts with versions; REMOVE = tombstone;
--   at-least-once stream), issue 6 (data-quality panel).
-- Reads the raw change tables (not the _current views): corrections, retractions and
-- duplicate deliveries are exactly what the views hide.
--
-- @param as_of DATE: data cutoff; changes made after this day are ignored
-- @param clinic_id VARCHAR optional: one clinic, NULL = all clinics
-- @param late_after_days INTEGER: an event received more than this many days after its date is late
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of,
         CAST(? AS VARCHAR) AS clinic_id,
         CAST(? AS INTEGER) AS late_after_days
),
changes AS (
  SELECT 'enrollment' AS event_type, clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, admission_date AS event_date FROM enrollments
  UNION ALL
  SELECT 'attendance', clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, session_date FROM attendance
  UNION ALL
  SELECT 'drug_test', clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, scheduled_date FROM drug_tests
  UNION ALL
  SELECT 'goal', clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, action_date FROM goals
  UNION ALL
  SELECT 'discharge', clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, discharge_date FROM discharges
  UNION ALL
  SELECT 'assessment', clinic_id, event_id, version, change_kind, change_seq, change_time, received_at, interview_date FROM assessments
),
in_scope AS (
  SELECT c.*
  FROM changes c
  CROSS JOIN params p
  WHERE CAST(c.change_time AS DATE) <= p.as_of
    AND (p.clinic_id IS NULL OR c.clinic_id = p.clinic_id)
),
-- One row per distinct change; `deliveries` > 1 means the stream delivered it again.
distinct_changes AS (
  SELECT event_type, clinic_id, event_id, change_seq,
         max(version) AS version,
         max(change_kind) AS change_kind,
         max(change_time) AS change_time,
         max(received_at) AS received_at,
         max(event_date) AS event_date,
         count(*) AS deliveries
  FROM in_scope
  GROUP BY event_type, clinic_id, event_id, change_seq
),
per_event AS (
  SELECT event_type, clinic_id, event_id,
         max(version) AS max_version,
         max_by(change_kind, change_seq) AS latest_kind,
         count_if(change_kind = 'REMOVE') AS removes
  FROM distinct_changes
  GROUP BY event_type, clinic_id, event_id
),
late_versions AS (
  SELECT DISTINCT d.event_type, d.clinic_id, d.event_id, d.version
  FROM distinct_changes d
  CROSS JOIN params p
  WHERE d.change_kind <> 'REMOVE'
    AND date_diff('day', d.event_date, CAST(d.received_at AS DATE)) > p.late_after_days
),
event_counts AS (
  SELECT clinic_id,
         count_if(latest_kind <> 'REMOVE') AS events,
         count_if(max_version > 1) AS corrections,
         count_if(removes > 0) AS retractions
  FROM per_event
  GROUP BY clinic_id
),
delivery_counts AS (
  SELECT clinic_id,
         sum(deliveries - 1) AS duplicate_deliveries,
         max(change_time) AS last_change_at
  FROM distinct_changes
  GROUP BY clinic_id
),
late_counts AS (
  SELECT clinic_id, count(*) AS late_events FROM late_versions GROUP BY clinic_id
),
per_clinic AS (
  SELECT e.clinic_id AS scope,
         e.events, e.corrections, e.retractions,
         coalesce(l.late_events, 0) AS late_events,
         d.duplicate_deliveries,
         d.last_change_at
  FROM event_counts e
  JOIN delivery_counts d ON d.clinic_id = e.clinic_id
  LEFT JOIN late_counts l ON l.clinic_id = e.clinic_id
),
overall AS (
  SELECT 'all' AS scope,
         coalesce(sum(events), 0) AS events,
         coalesce(sum(corrections), 0) AS corrections,
         coalesce(sum(retractions), 0) AS retractions,
         coalesce(sum(late_events), 0) AS late_events,
         coalesce(sum(duplicate_deliveries), 0) AS duplicate_deliveries,
         max(last_change_at) AS last_change_at
  FROM per_clinic
)
SELECT scope,
       CAST(events AS BIGINT) AS events,
       CAST(corrections AS BIGINT) AS corrections,
       CAST(retractions AS BIGINT) AS retractions,
       CAST(late_events AS BIGINT) AS late_events,
       CAST(duplicate_deliveries AS BIGINT) AS duplicate_deliveries,
       last_change_at
FROM (
  SELECT * FROM overall
  UNION ALL
  SELECT * FROM per_clinic
) combined
ORDER BY CASE WHEN scope = 'all' THEN 0 ELSE 1 END, scope
