-- episodes: one row per episode (one admission of one client to one program), the unit
-- every metric counts. Parameter-free; each metric applies its own as_of.
--
-- Source: METRICS.md "Core entities" (a re-admission is a new episode; admission = day 0);
-- DOMAIN-RESEARCH.md §0 and §1.1 (episode boundaries, TEDS discharge reasons).
-- Inputs: enrollments_current and discharges_current (latest version of each event,
-- retractions removed, by the lake views).
-- Rules:
--   * An episode is keyed by (clinic_id, episode_id): episode ids are unique within a clinic.
--   * Two enrollment (or two discharge) events for the same episode are a clinic-side
--     duplicate under different eventIds; the one received last wins (ties: the higher
--     event_id), so a re-sent correction under a new id behaves like a correction.
--   * A discharge without an enrollment is ignored (no episode to close).
--   * A discharge dated before its admission is an entry error; it is kept as a same-day
--     discharge (the episode is closed, not left open to turn into an inactivity dropout).
--     The data-quality report lists these.
CREATE OR REPLACE VIEW episodes AS
WITH ranked_enrollments AS (
  SELECT
    e.*,
    row_number() OVER (
      PARTITION BY e.clinic_id, e.episode_id
      ORDER BY e.received_at DESC, e.event_id DESC
    ) AS pick
  FROM enrollments_current e
),
ranked_discharges AS (
  SELECT
    d.*,
    row_number() OVER (
      PARTITION BY d.clinic_id, d.episode_id
      ORDER BY d.received_at DESC, d.event_id DESC
    ) AS pick
  FROM discharges_current d
)
SELECT
  en.clinic_id,
  en.program_id,
  en.episode_id,
  en.client_key,
  en.admission_date,
  en.level_of_care,
  en.primary_substance,
  en.referral_source,
  en.birth_year,
  en.sex,
  CASE
    WHEN di.discharge_date IS NULL THEN NULL
    WHEN di.discharge_date < en.admission_date THEN en.admission_date
    ELSE di.discharge_date
  END AS discharge_date,
  di.reason AS discharge_reason
FROM ranked_enrollments en
LEFT JOIN ranked_discharges di
  ON di.clinic_id = en.clinic_id
  AND di.episode_id = en.episode_id
  AND di.pick = 1
WHERE en.pick = 1
