-- Rollups fed by materialized views from hop_events: transaction summaries for lists, per-minute
-- and per-hour flow KPIs for dashboards, and end-to-end posting latency.
--
-- Rule for every rollup: a re-sent event (same event_id, new Kafka offset, new insert) reaches the
-- views a second time. Only aggregates that give the same answer with or without that copy are
-- allowed: uniq/uniqExact of event_id, min/max of times, bit-or, argMax by time, max of flags.
-- A retried *batch* (same insert_deduplication_token) never reaches the views twice.
--
-- Source columns are read as e.<col> because several output aliases reuse a column name
-- (work_order, replayed, line …): unqualified, ClickHouse would resolve them to the alias.

-- One logical row per transaction (merge with -Merge / min / max at read time, see queries/txn.ts).
-- Beware of "empty" values in SimpleAggregateFunction columns: an insert block without a posting
-- would store minIf(...) = 1970-01-01, which then wins every later min. first_posted_at is
-- therefore Nullable and fed with minIfOrNull (min ignores NULLs when parts merge).
CREATE TABLE IF NOT EXISTS {{database}}.txn_summary
(
    plant             LowCardinality(String),
    flow              LowCardinality(String),
    origin_time       DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    correlation_id    String,

    first_seen        SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen         SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    last_ingested_at  SimpleAggregateFunction(max, DateTime64(3, 'UTC')),
    max_attempt       SimpleAggregateFunction(max, UInt16),
    -- one bit per hop seen: machine 1, edge 2, mes 4, hub 8, erp 16, wms 32, qms 64,
    -- console 128, anything else 32768 (see HOP_BITS in queries/txn.ts)
    stages_seen       SimpleAggregateFunction(groupBitOr, UInt64),
    has_error         SimpleAggregateFunction(max, UInt8),
    error_categories  SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    last_status       AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    last_event_type   AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    last_hop          AggregateFunction(argMax, String, Tuple(DateTime64(3, 'UTC'), String)),
    posting_requested SimpleAggregateFunction(max, UInt8),
    posted            SimpleAggregateFunction(max, UInt8),
    first_posted_at   SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    first_attempt_ok  SimpleAggregateFunction(max, UInt8),
    had_transient     SimpleAggregateFunction(max, UInt8),
    dead_lettered     SimpleAggregateFunction(max, UInt8),
    replayed          SimpleAggregateFunction(max, UInt8),
    erp_documents     SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
    events            AggregateFunction(uniqExact, String),
    -- latest non-empty value: (is non-empty, time, event_id) orders a real value above ''
    work_order        AggregateFunction(argMax, String, Tuple(UInt8, DateTime64(3, 'UTC'), String)),
    material          AggregateFunction(argMax, String, Tuple(UInt8, DateTime64(3, 'UTC'), String)),
    line              AggregateFunction(argMax, String, Tuple(UInt8, DateTime64(3, 'UTC'), String))
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(origin_time)
ORDER BY (plant, flow, origin_time, correlation_id)
TTL toDateTime(origin_time) + INTERVAL 90 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.txn_summary_mv TO {{database}}.txn_summary AS
SELECT
    e.plant AS plant,
    e.flow AS flow,
    e.origin_time AS origin_time,
    e.correlation_id AS correlation_id,
    min(e.occurred_at) AS first_seen,
    max(e.occurred_at) AS last_seen,
    max(e.ingested_at) AS last_ingested_at,
    max(e.attempt) AS max_attempt,
    groupBitOr(toUInt64(transform(CAST(e.hop AS String),
        ['machine', 'edge', 'mes', 'hub', 'erp', 'wms', 'qms', 'console'],
        [1, 2, 4, 8, 16, 32, 64, 128], 32768))) AS stages_seen,
    max(toUInt8(e.error_category != '')) AS has_error,
    groupUniqArrayArray(if(e.error_category != '', [CAST(e.error_category AS String)], [])) AS error_categories,
    argMaxState(CAST(e.status AS String), (e.occurred_at, e.event_id)) AS last_status,
    argMaxState(CAST(e.event_type AS String), (e.occurred_at, e.event_id)) AS last_event_type,
    argMaxState(CAST(e.hop AS String), (e.occurred_at, e.event_id)) AS last_hop,
    max(toUInt8(e.event_type = 'erp.posting_requested')) AS posting_requested,
    max(toUInt8(e.event_type = 'erp.posting_succeeded')) AS posted,
    minIfOrNull(e.occurred_at, e.event_type = 'erp.posting_succeeded') AS first_posted_at,
    max(toUInt8(e.event_type = 'erp.posting_succeeded' AND e.attempt = 1 AND NOT e.replayed)) AS first_attempt_ok,
    max(toUInt8(e.error_category = 'transient')) AS had_transient,
    max(toUInt8(e.status = 'dead_lettered')) AS dead_lettered,
    max(toUInt8(e.replayed)) AS replayed,
    groupUniqArrayArray(if(e.event_type = 'erp.posting_succeeded' AND e.erp_document != '', [e.erp_document], [])) AS erp_documents,
    uniqExactState(e.event_id) AS events,
    argMaxState(e.work_order, (toUInt8(e.work_order != ''), e.occurred_at, e.event_id)) AS work_order,
    argMaxState(e.material, (toUInt8(e.material != ''), e.occurred_at, e.event_id)) AS material,
    argMaxState(CAST(e.line AS String), (toUInt8(e.line != ''), e.occurred_at, e.event_id)) AS line
FROM {{database}}.hop_events AS e
GROUP BY e.plant, e.flow, e.origin_time, e.correlation_id;

-- Per plant / flow / hop / line and minute of the transaction's source event time (origin_time,
-- KPIS.md's src(f)): a late posting lands in its origin bucket, every hop of a transaction lands in
-- one bucket, and a re-sent duplicate lands in the same bucket and is absorbed by uniq.
-- Definitions (also in queries/kpi.ts):
--   errors            events carrying an error object (error_category != ''), split by category;
--   dead_lettered     events with status 'dead_lettered';
--   posting_*         '<system>.posting_requested|succeeded|failed' events (filter hop = 'erp'
--                     for ERP); first-attempt success = succeeded with attempt 1, not a replay.
-- Latency quantiles use t-digest (small states). They are the one part that is not exact under
-- re-sends: a duplicate adds its latency sample twice. max is exact.
CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_1m
(
    plant                           LowCardinality(String),
    bucket                          DateTime('UTC') CODEC(Delta, ZSTD),
    flow                            LowCardinality(String),
    hop                             LowCardinality(String),
    line                            LowCardinality(String),
    events                          AggregateFunction(uniq, String),
    errors                          AggregateFunction(uniqIf, String, UInt8),
    errors_transient                AggregateFunction(uniqIf, String, UInt8),
    errors_dependency               AggregateFunction(uniqIf, String, UInt8),
    errors_permanent                AggregateFunction(uniqIf, String, UInt8),
    errors_partial                  AggregateFunction(uniqIf, String, UInt8),
    dead_lettered                   AggregateFunction(uniqIf, String, UInt8),
    posting_requests                AggregateFunction(uniqIf, String, UInt8),
    posting_successes               AggregateFunction(uniqIf, String, UInt8),
    posting_first_attempt_successes AggregateFunction(uniqIf, String, UInt8),
    posting_failures                AggregateFunction(uniqIf, String, UInt8),
    latency_quantiles               AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Nullable(UInt32)),
    latency_max                     SimpleAggregateFunction(max, Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
-- Weekly, like hop_events: a late replay spanning many days stays far below
-- max_partitions_per_insert_block (daily partitions would fail the whole insert, hop_events
-- included, past 100 distinct days). TTL then drops whole weeks: data lives 14 to 21 days.
PARTITION BY toMonday(bucket)
ORDER BY (plant, bucket, flow, hop, line)
TTL bucket + INTERVAL 14 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

-- Same shape per hour, kept 13 months. Fed from hop_events directly (not from flow_kpi_1m), so
-- each rollup stands on its own and either can be rebuilt from the event log.
CREATE TABLE IF NOT EXISTS {{database}}.flow_kpi_1h AS {{database}}.flow_kpi_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, flow, hop, line)
TTL bucket + INTERVAL 13 MONTH
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_1m_mv TO {{database}}.flow_kpi_1m AS
SELECT
    e.plant AS plant,
    toStartOfMinute(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqState(e.event_id) AS events,
    uniqIfState(e.event_id, toUInt8(e.error_category != '')) AS errors,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'transient')) AS errors_transient,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'dependency')) AS errors_dependency,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'permanent')) AS errors_permanent,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'partial')) AS errors_partial,
    uniqIfState(e.event_id, toUInt8(e.status = 'dead_lettered')) AS dead_lettered,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_requested'))) AS posting_requests,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_succeeded'))) AS posting_successes,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed)) AS posting_first_attempt_successes,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_failed'))) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, flow, hop, line;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.flow_kpi_1h_mv TO {{database}}.flow_kpi_1h AS
SELECT
    e.plant AS plant,
    toStartOfHour(e.origin_time) AS bucket,
    e.flow AS flow,
    e.hop AS hop,
    e.line AS line,
    uniqState(e.event_id) AS events,
    uniqIfState(e.event_id, toUInt8(e.error_category != '')) AS errors,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'transient')) AS errors_transient,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'dependency')) AS errors_dependency,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'permanent')) AS errors_permanent,
    uniqIfState(e.event_id, toUInt8(e.error_category = 'partial')) AS errors_partial,
    uniqIfState(e.event_id, toUInt8(e.status = 'dead_lettered')) AS dead_lettered,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_requested'))) AS posting_requests,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_succeeded'))) AS posting_successes,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_succeeded') AND e.attempt = 1 AND NOT e.replayed)) AS posting_first_attempt_successes,
    uniqIfState(e.event_id, toUInt8(endsWith(e.event_type, '.posting_failed'))) AS posting_failures,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles,
    max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, flow, hop, line;

-- Machine-event-to-ERP-posting latency, ok(f) - src(f), bucketed by the ORIGIN hour.
-- Why one row per transaction instead of a quantile state per hour: a quantile state is not
-- duplicate-safe (a re-sent erp.posting_succeeded would add its sample twice) and a transaction
-- that posts twice (replay, duplicate posting) must count once, at its FIRST success. Keyed by
-- (plant, flow, origin_hour, correlation_id), min(since_origin_ms) absorbs both, and quantiles are
-- computed at read time over transactions, exactly. The row count is bounded by transactions
-- (not hop events), which keeps 13 months of it small.
CREATE TABLE IF NOT EXISTS {{database}}.e2e_kpi_1h
(
    plant           LowCardinality(String),
    flow            LowCardinality(String),
    origin_hour     DateTime('UTC') CODEC(Delta, ZSTD),
    correlation_id  String,
    e2e_ms          SimpleAggregateFunction(min, Int64),
    first_posted_at SimpleAggregateFunction(min, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(origin_hour)
ORDER BY (plant, flow, origin_hour, correlation_id)
TTL origin_hour + INTERVAL 13 MONTH
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

-- The WHERE keeps only successful postings, so every group has a real value: no empty-min trap.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.e2e_kpi_1h_mv TO {{database}}.e2e_kpi_1h AS
SELECT
    e.plant AS plant,
    e.flow AS flow,
    toStartOfHour(e.origin_time) AS origin_hour,
    e.correlation_id AS correlation_id,
    min(e.since_origin_ms) AS e2e_ms,
    min(e.occurred_at) AS first_posted_at
FROM {{database}}.hop_events AS e
WHERE e.event_type = 'erp.posting_succeeded'
GROUP BY plant, flow, origin_hour, correlation_id;
