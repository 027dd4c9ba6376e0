-- 013 activity start as a UTC instant. `start_time` is the athlete's local wall clock (the demo's layout), which
-- repeats in the hour clocks go back: an import recognises "the same activity" by its UTC start, so it is stored.
-- Backfill: each existing row's local time read in its athlete's zone (UTC without a settings row), only where
-- that reading is unique — a local time inside a fall-back hour (two instants) or a spring-forward gap (none),
-- or a zone this DuckDB's ICU does not know, stays NULL, and the importer compares such rows on both readings.
ALTER TABLE activities ADD COLUMN start_utc TIMESTAMP;   -- UTC, no zone; NULL when unknown (see above)

UPDATE activities SET start_utc = r.utc
FROM (
    SELECT a.activity_id,
           timezone('UTC', timezone(z.tz, a.start_time)) AS utc,
           timezone(z.tz, timezone(z.tz, a.start_time)) AS back,
           timezone(z.tz, timezone(z.tz, a.start_time) - INTERVAL 1 HOUR) AS before,
           timezone(z.tz, timezone(z.tz, a.start_time) + INTERVAL 1 HOUR) AS after
    FROM activities a
    JOIN (SELECT t.athlete_id, coalesce(s.time_zone, 'UTC') AS tz
          FROM athletes t LEFT JOIN athlete_settings s USING (athlete_id)) z USING (athlete_id)
    WHERE z.tz IN (SELECT name FROM pg_timezone_names())
) r
WHERE activities.activity_id = r.activity_id
  AND r.back = activities.start_time
  AND r.before <> activities.start_time
  AND r.after <> activities.start_time;
