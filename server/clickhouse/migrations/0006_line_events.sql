-- Equipment state changes by line and time, and the counts that lack an ideal cycle time: what
-- ISO 22400 OEE needs beside the counts of hour_stats (queries/production.ts).
--
-- Why a table of its own: availability and performance must come from the SAME window. A state
-- change only says how long the PREVIOUS state lasted, so summing those durations by the hour of
-- the change (as hour_stats did) books a 3 h run into the hour it ended and none into the hours it
-- covered, while that run's counts land in the hours they were made: performance read 150 % and
-- OEE 146 % on the demo. With every state change by line and time, a read clips each state's
-- interval [change, next change) to the window of the counts. hop_events is ordered by
-- correlation id, so finding a line's state before a window would scan every hop; here state
-- changes are a narrow, sparse range of the sort key. Counts with an ideal cycle time stay in
-- hour_stats (one per event id, stored per hour): this table holds only the rare ones without,
-- so a read can name the line whose performance cannot be computed.
--
-- ReplacingMergeTree on the full key: a re-sent event (same event_id, same time) collapses in
-- merges; reads take one row per event and never wait for that.
CREATE TABLE IF NOT EXISTS {{database}}.line_events
(
    -- 'state': a state change; 'unrated': a count without an ideal cycle time
    kind     LowCardinality(String),
    plant    LowCardinality(String),
    line     LowCardinality(String),
    -- a state change: when it happened (occurred_at; a source may report several changes under
    -- one transaction and origin time); an unrated count: its origin time, as hour_stats buckets counts
    at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    event_id String,
    -- the state entered ('' when the event did not say)
    state    LowCardinality(String),
    -- parts of an unrated count (of flow production_confirmation, the counts hour_stats sums)
    parts    Float64
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (kind, plant, line, at, event_id)
TTL toDateTime(at) + INTERVAL 90 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.line_events_mv TO {{database}}.line_events AS
SELECT
    if(e.event_type = 'shopfloor.equipment_state_changed', 'state', 'unrated') AS kind,
    e.plant AS plant,
    e.line AS line,
    if(e.event_type = 'shopfloor.equipment_state_changed', e.occurred_at, e.origin_time) AS at,
    e.event_id AS event_id,
    if(e.event_type = 'shopfloor.equipment_state_changed', e.attributes['state'], '') AS state,
    if(e.event_type = 'shopfloor.production_counted', e.qty_good + e.qty_scrap, 0) AS parts
FROM {{database}}.hop_events AS e
WHERE e.event_type = 'shopfloor.equipment_state_changed'
   OR (e.event_type = 'shopfloor.production_counted' AND e.flow = 'production_confirmation' AND toFloat64OrZero(e.attributes['ideal_cycle_time_ms']) <= 0);

-- Events written before this migration, once (the table is empty only before the first run).
INSERT INTO {{database}}.line_events
SELECT
    if(event_type = 'shopfloor.equipment_state_changed', 'state', 'unrated') AS kind,
    plant,
    line,
    if(event_type = 'shopfloor.equipment_state_changed', occurred_at, origin_time) AS at,
    event_id,
    if(event_type = 'shopfloor.equipment_state_changed', attributes['state'], '') AS state,
    if(event_type = 'shopfloor.production_counted', qty_good + qty_scrap, 0) AS parts
FROM {{database}}.hop_events
WHERE (event_type = 'shopfloor.equipment_state_changed'
       OR (event_type = 'shopfloor.production_counted' AND flow = 'production_confirmation' AND toFloat64OrZero(attributes['ideal_cycle_time_ms']) <= 0))
  AND (SELECT count() FROM {{database}}.line_events) = 0;
