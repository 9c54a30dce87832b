-- Flow KPI counts exact: flow_kpi_exact_1m / flow_kpi_exact_1h replace flow_kpi_1m / flow_kpi_1h
-- (dropped in 0012).
--
-- Why: the counts of 0002 were uniq states, an estimate. uniq keeps 32-bit hashes, so two event
-- ids of one bucket collide now and then (a bucket of 60k events read one short in 77 of 200
-- runs, of 10k in 4 of 500), and past 65,536 distinct ids it samples: the overview's events per
-- plant, merged across buckets, was an estimate (off by up to 0.7 % on the embedded demo's own
-- data). A dashboard number is a promise; these are counts of events, not cardinality guesses.
--
-- How: uniqExact over sipHash64(event_id). A re-sent event still lands in its bucket with the same
-- hash and is absorbed. Two distinct ids of one bucket share a 64-bit hash with probability about
-- n² / 2^65 (1 in 37 million for a million events in one bucket), where uniq's was n² / 2^33.
-- The state keeps 8 bytes per event against uniq's 4, and an insert costs a little more: 50k-row
-- inserts of the ingest bench's events into hop_events with only these two views, 19 rounds
-- alternating with the uniq ones in one chDB: 21.0 against 18.5 µs per row (medians; with every
-- view, +1.4 and +3.0 of ~28 µs in two runs). uniqExact of the String itself keeps 16 bytes.
-- Conditional counts use -StateIf, so every count column has one type and one merge
-- (uniqExactMerge). Latency quantiles stay t-digest estimates, as before.
--
-- History: buckets younger than hop_events' 90-day retention are rebuilt from the event log,
-- exactly. Older hours (flow_kpi_1h keeps 13 months) exist only as uniq states; each becomes a
-- state of as many placeholder hashes (range(n): 0, 1, 2 …) as it estimated, so the history reads
-- as it did. A late re-send of an event older than 90 days into such an hour would count again.
--
-- The backfills hold a state per bucket while they group (8 bytes per event): past 1 GB they spill
-- to disk instead of failing on a server's memory limit. Statements are safe to run again: the
-- backfill adds events already counted (absorbed) and the same placeholders; only the t-digest
-- sees those samples twice (same quantiles).

CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_exact_1m
(
    plant                           LowCardinality(String),
    bucket                          DateTime('UTC') CODEC(Delta, ZSTD),
    flow                            LowCardinality(String),
    hop                             LowCardinality(String),
    line                            LowCardinality(String),
    events                          AggregateFunction(uniqExact, UInt64),
    errors                          AggregateFunction(uniqExact, UInt64),
    errors_transient                AggregateFunction(uniqExact, UInt64),
    errors_dependency               AggregateFunction(uniqExact, UInt64),
    errors_permanent                AggregateFunction(uniqExact, UInt64),
    errors_partial                  AggregateFunction(uniqExact, UInt64),
    dead_lettered                   AggregateFunction(uniqExact, UInt64),
    posting_requests                AggregateFunction(uniqExact, UInt64),
    posting_successes               AggregateFunction(uniqExact, UInt64),
    posting_first_attempt_successes AggregateFunction(uniqExact, UInt64),
    posting_failures                AggregateFunction(uniqExact, UInt64),
    latency_quantiles               AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Nullable(UInt32)),
    latency_max                     SimpleAggregateFunction(max, Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(bucket)
ORDER BY (plant, bucket, flow, hop, line)
TTL bucket + INTERVAL 14 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_exact_1h AS {{database}}.flow_kpi_exact_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, flow, hop, line)
TTL bucket + INTERVAL 13 MONTH
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_exact_1m_mv TO {{database}}.flow_kpi_exact_1m AS
WITH sipHash64(e.event_id) AS id
SELECT
    e.plant AS plant,
    toStartOfMinute(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqExactState(id) AS events,
    uniqExactStateIf(id, e.error_category != '') AS errors,
    uniqExactStateIf(id, e.error_category = 'transient') AS errors_transient,
    uniqExactStateIf(id, e.error_category = 'dependency') AS errors_dependency,
    uniqExactStateIf(id, e.error_category = 'permanent') AS errors_permanent,
    uniqExactStateIf(id, e.error_category = 'partial') AS errors_partial,
    uniqExactStateIf(id, e.status = 'dead_lettered') AS dead_lettered,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_requested')) AS posting_requests,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded')) AS posting_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed) AS posting_first_attempt_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_failed')) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, flow, hop, line;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_exact_1h_mv TO {{database}}.flow_kpi_exact_1h AS
WITH sipHash64(e.event_id) AS id
SELECT
    e.plant AS plant,
    toStartOfHour(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqExactState(id) AS events,
    uniqExactStateIf(id, e.error_category != '') AS errors,
    uniqExactStateIf(id, e.error_category = 'transient') AS errors_transient,
    uniqExactStateIf(id, e.error_category = 'dependency') AS errors_dependency,
    uniqExactStateIf(id, e.error_category = 'permanent') AS errors_permanent,
    uniqExactStateIf(id, e.error_category = 'partial') AS errors_partial,
    uniqExactStateIf(id, e.status = 'dead_lettered') AS dead_lettered,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_requested')) AS posting_requests,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded')) AS posting_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed) AS posting_first_attempt_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_failed')) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, flow, hop, line;

DROP VIEW IF EXISTS {{database}}.flow_kpi_1m_mv;
DROP VIEW IF EXISTS {{database}}.flow_kpi_1h_mv;

-- The minute rollup kept 14 to 21 days (whole weeks drop): rebuild that much, TTL drops the rest.
INSERT INTO {{database}}.flow_kpi_exact_1m
SETTINGS max_bytes_before_external_group_by = 1000000000
WITH sipHash64(e.event_id) AS id
SELECT
    e.plant AS plant,
    toStartOfMinute(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqExactState(id) AS events,
    uniqExactStateIf(id, e.error_category != '') AS errors,
    uniqExactStateIf(id, e.error_category = 'transient') AS errors_transient,
    uniqExactStateIf(id, e.error_category = 'dependency') AS errors_dependency,
    uniqExactStateIf(id, e.error_category = 'permanent') AS errors_permanent,
    uniqExactStateIf(id, e.error_category = 'partial') AS errors_partial,
    uniqExactStateIf(id, e.status = 'dead_lettered') AS dead_lettered,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_requested')) AS posting_requests,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded')) AS posting_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed) AS posting_first_attempt_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_failed')) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
WHERE e.origin_time >= now() - INTERVAL 21 DAY
GROUP BY plant, bucket, flow, hop, line;

-- One statement, so both halves see the same now(): every hour comes from hop_events or from the
-- old rollup, never from both. The cut is the hour 89 days before this one: hop_events drops a part
-- only once all of its rows are 90 days old, so it holds every event from the cut on.
INSERT INTO {{database}}.flow_kpi_exact_1h
SETTINGS max_bytes_before_external_group_by = 1000000000
WITH sipHash64(e.event_id) AS id
SELECT
    e.plant AS plant,
    toStartOfHour(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqExactState(id) AS events,
    uniqExactStateIf(id, e.error_category != '') AS errors,
    uniqExactStateIf(id, e.error_category = 'transient') AS errors_transient,
    uniqExactStateIf(id, e.error_category = 'dependency') AS errors_dependency,
    uniqExactStateIf(id, e.error_category = 'permanent') AS errors_permanent,
    uniqExactStateIf(id, e.error_category = 'partial') AS errors_partial,
    uniqExactStateIf(id, e.status = 'dead_lettered') AS dead_lettered,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_requested')) AS posting_requests,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded')) AS posting_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed) AS posting_first_attempt_successes,
    uniqExactStateIf(id, endsWith(e.event_type, '.posting_failed')) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
WHERE e.origin_time >= toStartOfHour(now()) - INTERVAL 89 DAY
GROUP BY plant, bucket, flow, hop, line
UNION ALL
SELECT
    plant, bucket, flow, hop, line,
    arrayReduce('uniqExactState', range(uniqMerge(o.events))) AS events,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.errors))) AS errors,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.errors_transient))) AS errors_transient,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.errors_dependency))) AS errors_dependency,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.errors_permanent))) AS errors_permanent,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.errors_partial))) AS errors_partial,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.dead_lettered))) AS dead_lettered,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.posting_requests))) AS posting_requests,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.posting_successes))) AS posting_successes,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.posting_first_attempt_successes))) AS posting_first_attempt_successes,
    arrayReduce('uniqExactState', range(uniqIfMerge(o.posting_failures))) AS posting_failures,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(o.latency_quantiles) AS latency_quantiles,
    max(o.latency_max) AS latency_max
FROM {{database}}.flow_kpi_1h AS o
WHERE o.bucket < toStartOfHour(now()) - INTERVAL 89 DAY
GROUP BY plant, bucket, flow, hop, line;

-- The stored hour statistics (0004) took their ERP and hop event counts from the uniq rollups. One
-- more mark on every hour the event log still holds makes each read as stale, so the worker (or the
-- first read) computes it again from the exact rollups; older hours keep their stored numbers
-- (txn_summary no longer holds their transactions). `newest` = the epoch, which max() ignores.
INSERT INTO {{database}}.hour_marks
SELECT plant, bucket, toUInt64(1) AS events, toDateTime64(0, 3, 'UTC') AS newest
FROM {{database}}.hour_stats
WHERE bucket >= toStartOfHour(now()) - INTERVAL 89 DAY
GROUP BY plant, bucket;
