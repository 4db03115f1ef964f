-- assessments_current: the latest version of every assessment event, retracted
-- events removed: one row per (clinic_id, event_id) as the events table holds it now.
--
-- Source: the lake table assessments, one row per change (INSERT, MODIFY, REMOVE) of the
-- events table, written by the stream-to-lake Lambda (or by backfill, change_seq all zeros).
-- Picks the latest change per (clinic_id, event_id) by change_seq (stream order):
--   * duplicate deliveries of a change (at-least-once) are the same change_seq: one survives;
--   * a correction (higher version) is a later change and replaces the earlier one;
--   * a retraction (REMOVE as the latest change) removes the event;
--   * an event re-created after a retraction is a later INSERT and is back.
-- Columns: the assessments columns except change_kind (change_seq, change_time and
-- received_at are kept for audit and tie-breaking).
CREATE OR REPLACE VIEW assessments_current AS
SELECT
  change_seq,
  change_time,
  received_at,
  event_id,
  version,
  clinic_id,
  client_key,
  episode_id,
  timepoint,
  interview_date,
  status,
  days_used_past_30,
  employed_or_in_school,
  stably_housed,
  social_support,
  arrests_past_30
FROM (
  SELECT
    t.*,
    row_number() OVER (PARTITION BY t.clinic_id, t.event_id ORDER BY t.change_seq DESC) AS change_rank
  FROM assessments t
) ranked_changes
WHERE change_rank = 1
  AND change_kind <> 'REMOVE'
