-- Flow KPI counts as one row per counter: flow_kpi_counts_1m / flow_kpi_counts_1h replace
-- flow_kpi_exact_1m / flow_kpi_exact_1h (0011; dropped in 0015). Same counts, same definitions, the
-- same exact uniqExact over sipHash64(event_id); what changes is the layout.
--
-- Why: the exact rollups held eleven uniqExact states in every group (plant, bucket, flow, hop,
-- line), ten of them empty for almost every group (an error category, a dead letter, a posting
-- step). Each state is created, serialised, written and merged empty or not, so a view cost in
-- proportion to its groups, not its events. When the groups are sparse — a backlog or a replay of
-- a day's traffic, where a minute of one line's hop holds a few events — that is most of the
-- insert: the ingest bench's events into hop_events with only the minute view, 50k-row inserts
-- (three rounds, medians, µs of CPU per row over the table alone): eleven states +11.0, one row
-- per counter +2.5; in dense hour groups 0.9 and 0.8. Its merges were the largest part of the
-- ingest pipeline's peak memory (issue #22).
--
-- How: a row per (group, counter) that has at least one event — `events` always, the others only
-- when the event is one — with one uniqExact state `ids`. The latency states ride on the `events`
-- row (empty on the others, which t-digest and max merge as nothing). A reader counts with
-- uniqExactMergeIf(ids, counter = '…') (server/clickhouse/queries/flow-counts.ts).
--
-- History: the exact rollups' states are copied as they are (placeholder hashes of 0011's old
-- hours included), one row per counter that counted anything. The new views are created first, so
-- an event stored while this runs lands in the new tables through them and may also be copied
-- from the old: the same hash, absorbed. Safe to run again: a second copy adds hashes already
-- counted; only the t-digest sees those samples twice (same quantiles).

CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_counts_1m
(
    plant             LowCardinality(String),
    bucket            DateTime('UTC') CODEC(Delta, ZSTD),
    flow              LowCardinality(String),
    hop               LowCardinality(String),
    line              LowCardinality(String),
    -- events, errors, errors_<category>, dead_lettered, posting_requests, posting_successes,
    -- posting_first_attempt_successes, posting_failures (the views below define each)
    counter           LowCardinality(String),
    ids               AggregateFunction(uniqExact, UInt64),
    latency_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Nullable(UInt32)),
    latency_max       SimpleAggregateFunction(max, Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(bucket)
ORDER BY (plant, bucket, flow, hop, line, counter)
TTL bucket + INTERVAL 14 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_counts_1h AS {{database}}.flow_kpi_counts_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, flow, hop, line, counter)
TTL bucket + INTERVAL 13 MONTH
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_counts_1m_mv TO {{database}}.flow_kpi_counts_1m AS
SELECT
    e.plant AS plant,
    toStartOfMinute(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    counter,
    uniqExactState(sipHash64(e.event_id)) AS ids,
    -- if(…, NULL), not -If: the state keeps the column's type (Nullable), which -If would strip
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(if(counter = 'events', e.latency_ms, NULL)) AS latency_quantiles,
    max(if(counter = 'events', e.latency_ms, NULL)) AS latency_max
FROM {{database}}.hop_events AS e
ARRAY JOIN arrayFilter((c, on) -> on, [
        'events',
        'errors',
        'errors_transient',
        'errors_dependency',
        'errors_permanent',
        'errors_partial',
        'dead_lettered',
        'posting_requests',
        'posting_successes',
        'posting_first_attempt_successes',
        'posting_failures'
    ], [
        1,
        e.error_category != '',
        e.error_category = 'transient',
        e.error_category = 'dependency',
        e.error_category = 'permanent',
        e.error_category = 'partial',
        e.status = 'dead_lettered',
        endsWith(e.event_type, '.posting_requested'),
        endsWith(e.event_type, '.posting_succeeded'),
        endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed,
        endsWith(e.event_type, '.posting_failed')
    ]) AS counter
GROUP BY plant, bucket, flow, hop, line, counter;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_counts_1h_mv TO {{database}}.flow_kpi_counts_1h AS
SELECT
    e.plant AS plant,
    toStartOfHour(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    counter,
    uniqExactState(sipHash64(e.event_id)) AS ids,
    -- if(…, NULL), not -If: the state keeps the column's type (Nullable), which -If would strip
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(if(counter = 'events', e.latency_ms, NULL)) AS latency_quantiles,
    max(if(counter = 'events', e.latency_ms, NULL)) AS latency_max
FROM {{database}}.hop_events AS e
ARRAY JOIN arrayFilter((c, on) -> on, [
        'events',
        'errors',
        'errors_transient',
        'errors_dependency',
        'errors_permanent',
        'errors_partial',
        'dead_lettered',
        'posting_requests',
        'posting_successes',
        'posting_first_attempt_successes',
        'posting_failures'
    ], [
        1,
        e.error_category != '',
        e.error_category = 'transient',
        e.error_category = 'dependency',
        e.error_category = 'permanent',
        e.error_category = 'partial',
        e.status = 'dead_lettered',
        endsWith(e.event_type, '.posting_requested'),
        endsWith(e.event_type, '.posting_succeeded'),
        endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed,
        endsWith(e.event_type, '.posting_failed')
    ]) AS counter
GROUP BY plant, bucket, flow, hop, line, counter;

DROP VIEW IF EXISTS {{database}}.flow_kpi_exact_1m_mv;
DROP VIEW IF EXISTS {{database}}.flow_kpi_exact_1h_mv;

INSERT INTO {{database}}.flow_kpi_counts_1m
SETTINGS max_bytes_before_external_group_by = 1000000000
SELECT plant, bucket, flow, hop, line, 'events' AS counter, uniqExactMergeState(events) AS ids,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_quantiles) AS latency_quantiles, max(latency_max) AS latency_max
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors', uniqExactMergeState(errors),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_transient', uniqExactMergeState(errors_transient),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_transient) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_dependency', uniqExactMergeState(errors_dependency),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_dependency) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_permanent', uniqExactMergeState(errors_permanent),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_permanent) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_partial', uniqExactMergeState(errors_partial),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_partial) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'dead_lettered', uniqExactMergeState(dead_lettered),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(dead_lettered) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_requests', uniqExactMergeState(posting_requests),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_requests) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_successes', uniqExactMergeState(posting_successes),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_successes) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_first_attempt_successes', uniqExactMergeState(posting_first_attempt_successes),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_first_attempt_successes) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_failures', uniqExactMergeState(posting_failures),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1m
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_failures) > 0;

INSERT INTO {{database}}.flow_kpi_counts_1h
SETTINGS max_bytes_before_external_group_by = 1000000000
SELECT plant, bucket, flow, hop, line, 'events' AS counter, uniqExactMergeState(events) AS ids,
    quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_quantiles) AS latency_quantiles, max(latency_max) AS latency_max
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors', uniqExactMergeState(errors),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_transient', uniqExactMergeState(errors_transient),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_transient) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_dependency', uniqExactMergeState(errors_dependency),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_dependency) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_permanent', uniqExactMergeState(errors_permanent),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_permanent) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'errors_partial', uniqExactMergeState(errors_partial),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(errors_partial) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'dead_lettered', uniqExactMergeState(dead_lettered),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(dead_lettered) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_requests', uniqExactMergeState(posting_requests),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_requests) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_successes', uniqExactMergeState(posting_successes),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_successes) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_first_attempt_successes', uniqExactMergeState(posting_first_attempt_successes),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_first_attempt_successes) > 0
UNION ALL
SELECT plant, bucket, flow, hop, line, 'posting_failures', uniqExactMergeState(posting_failures),
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(CAST(NULL AS Nullable(UInt32))), max(CAST(NULL AS Nullable(UInt32)))
FROM {{database}}.flow_kpi_exact_1h
GROUP BY plant, bucket, flow, hop, line HAVING uniqExactMerge(posting_failures) > 0;
