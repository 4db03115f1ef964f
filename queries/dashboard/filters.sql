-- The dashboard's filter choices: which clinics, programs and admission quarters have
-- episodes admitted by the data cutoff. Read by `refresh` to decide which filter
-- combinations to materialise and to build the index the page's drop-downs show.
--
-- Definition: one row per clinic × program × admission quarter with at least one episode.
-- Numerator/denominator: none (a listing, no counts are published).
-- Missing data: an empty lake gives no rows.
-- Source: views/episodes.sql (one row per episode).
--
-- @param as_of DATE: data cutoff; admissions after it are not listed
WITH params AS (
  SELECT CAST(? AS DATE) AS as_of
)
SELECT DISTINCT
       e.clinic_id,
       e.program_id,
       CAST(year(e.admission_date) AS INTEGER) AS admission_year,
       CAST(quarter(e.admission_date) AS INTEGER) AS admission_quarter
FROM episodes e
CROSS JOIN params p
WHERE e.admission_date <= p.as_of
ORDER BY clinic_id, program_id, admission_year, admission_quarter
