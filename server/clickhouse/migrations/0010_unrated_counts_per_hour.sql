-- Parts counted without an ideal cycle time, per hour in hour_stats (queries/hour-stats/sql.ts,
-- `unrated`), no longer in line_events (0006).
--
-- Why: OEE names a line whose performance cannot be computed because its counts lack an ideal
-- cycle time. Read from line_events, that took every such count of the window, one row per event
-- (a 30-day dashboard with its previous period: 1M rows at 10M hop events, the dashboard's most
-- costly query). The hour statistics already read each count once per event_id for good, scrap and
-- ideal time, by origin hour: the parts without an ideal time are one more sum there, and a read
-- then sums stored hours, over the same window as the other counts.
ALTER TABLE {{database}}.hour_stats ADD COLUMN IF NOT EXISTS unrated Float64 AFTER ideal_ms;

-- line_events keeps the state changes only.
ALTER TABLE {{database}}.line_events_mv MODIFY QUERY
SELECT
    'state' AS kind,
    e.plant AS plant,
    e.line AS line,
    e.occurred_at AS at,
    e.event_id AS event_id,
    e.attributes['state'] AS state,
    toFloat64(0) AS parts
FROM {{database}}.hop_events AS e
WHERE e.event_type = 'shopfloor.equipment_state_changed';

ALTER TABLE {{database}}.line_events DELETE WHERE kind = 'unrated';

-- Stored sets without `unrated` would read as "every count has an ideal cycle time": drop them all.
-- Every hour then reads as stale (no stored set) and is computed again, by the worker or by the
-- first read.
TRUNCATE TABLE IF EXISTS {{database}}.hour_stats;
