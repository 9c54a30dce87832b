-- Finalized hourly statistics for the 30-day dashboards (budget: p95 < 300 ms at 10M hop events).
--
-- Why not one more materialized view: every sync-health KPI counts TRANSACTIONS by an outcome that
-- spans several events (first attempt ok, posted within 24 h, auto-recovered, open and in which
-- state), and a late posting changes its transaction after the fact. A view sees one insert block
-- at a time, so the only exact answers are per-transaction merges of txn_summary, which cost about
-- 1 s per 2M transactions. Rollups of uniq states of correlation ids are exact per hour but still
-- hold one hash per transaction and outcome, and read about as slowly.
--
-- So: the worker computes each origin hour's numbers ONCE from the exact sources (txn_summary for
-- transactions, flow_kpi_1h for ERP event counts, hop_events for production counts) and stores them
-- here as plain numbers (queries/hour-stats.ts). `hour_marks` counts the hop events inserted per
-- plant and origin hour; a stored hour is current only while its `marks` equals that count. Any
-- other hour (new or late events since, the partial edges of a window, no worker running) is
-- computed live by the same SQL, so a dashboard is exact whether or not the worker has caught up.

-- Hop events inserted per plant and origin hour. A sum of inserted rows: re-sent duplicates count
-- too, which is what we want (they may have changed nothing, but the hour must be re-checked).
-- `newest` (the latest event time) answers ingest freshness without scanning transactions.
CREATE TABLE IF NOT EXISTS {{database}}.hour_marks
(
    plant  LowCardinality(String),
    bucket DateTime('UTC'),
    events SimpleAggregateFunction(sum, UInt64),
    newest SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket)
TTL bucket + INTERVAL 13 MONTH
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.hour_marks_mv TO {{database}}.hour_marks AS
SELECT e.plant AS plant, toStartOfHour(e.origin_time) AS bucket, count() AS events, max(e.occurred_at) AS newest
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket;

-- Events written before this migration: their hours get their marks once (the table is empty
-- only before the first run, so running this file again adds nothing).
INSERT INTO {{database}}.hour_marks
SELECT plant, toStartOfHour(origin_time) AS bucket, count() AS events, max(occurred_at) AS newest
FROM {{database}}.hop_events
WHERE (SELECT count() FROM {{database}}.hour_marks) = 0
GROUP BY plant, bucket;

-- One set of rows per plant and origin hour, written together with one `computed_at`; a newer set
-- replaces the older one (readers take the latest set per hour, merges drop the rest). Each row
-- fills only its own columns (the others are zero), so any sum over rows is right. Rows by key:
--   (flow, '', '')    transactions of the flow (not split by line);
--   (flow, line, '')  ERP hop events and production counts of the flow and line;
--   ('', '', hop)     events and errors of each hop;
--   ('*', '', '')     the hour's exact E2E p50/p95 over all flows (the series; quantiles do not add up).
CREATE TABLE IF NOT EXISTS {{database}}.hour_stats
(
    plant           LowCardinality(String),
    bucket          DateTime('UTC'),
    flow            LowCardinality(String),
    line            LowCardinality(String),
    hop             LowCardinality(String),
    computed_at     DateTime64(3, 'UTC'),
    -- hour_marks.events when computed: the set is current while it still equals hour_marks
    marks           UInt64,

    -- transactions (txn_summary, merged per transaction; definitions in queries/hour-stats.ts)
    transactions    UInt32,
    posting_txns    UInt32,
    settled         UInt32,
    first_ok        UInt32,
    posted          UInt32,
    posted_24h      UInt32,
    transient       UInt32,
    auto_recovered  UInt32,
    duplicates      UInt32,
    e2e_ms          Array(UInt32),
    posted_at       Map(DateTime('UTC'), UInt32),
    open_origin     Array(DateTime64(3, 'UTC')),
    open_state      Array(LowCardinality(String)),
    e2e_p50_ms      Nullable(UInt32),
    e2e_p95_ms      Nullable(UInt32),

    -- ERP hop events (flow_kpi_1h, counted per hour)
    erp_events        UInt32,
    erp_errors        UInt32,
    errors_transient  UInt32,
    errors_dependency UInt32,
    errors_permanent  UInt32,
    errors_partial    UInt32,
    dead_lettered     UInt32,
    posting_requests  UInt32,
    posting_successes UInt32,
    posting_failures  UInt32,

    -- every hop (flow_kpi_1h, counted per hour)
    hop_events      UInt32,
    hop_errors      UInt32,

    -- production (ISO 22400 inputs, one value per event_id)
    busy_ms         UInt64,
    running_ms      UInt64,
    good            Float64,
    scrap           Float64,
    ideal_ms        Float64
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, flow, line, hop)
TTL bucket + INTERVAL 13 MONTH;

-- Hop latency by plant and hop, per hour and per day: the "which hop is slow" breakdown over 30
-- days merges ~30 daily states per hop (plus the hours of the partial days at the edges) instead of
-- ~30,000 hourly flow_kpi_1h states split by flow and line. Same t-digest as flow_kpi_*.
CREATE TABLE IF NOT EXISTS {{database}}.hop_latency_1h
(
    plant             LowCardinality(String),
    bucket            DateTime('UTC') CODEC(Delta, ZSTD),
    hop               LowCardinality(String),
    latency_quantiles AggregateFunction(quantilesTDigest(0.5, 0.9, 0.95, 0.99), Nullable(UInt32)),
    latency_max       SimpleAggregateFunction(max, Nullable(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, hop)
TTL bucket + INTERVAL 13 MONTH
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS {{database}}.hop_latency_1d AS {{database}}.hop_latency_1h;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.hop_latency_1h_mv TO {{database}}.hop_latency_1h AS
SELECT e.plant AS plant, toStartOfHour(e.origin_time) AS bucket, e.hop AS hop,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles, max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, hop;

CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.hop_latency_1d_mv TO {{database}}.hop_latency_1d AS
SELECT e.plant AS plant, toStartOfDay(e.origin_time) AS bucket, e.hop AS hop,
    quantilesTDigestState(0.5, 0.9, 0.95, 0.99)(e.latency_ms) AS latency_quantiles, max(e.latency_ms) AS latency_max
FROM {{database}}.hop_events AS e
GROUP BY plant, bucket, hop;

-- Backfill both from the hourly flow rollup (the same states, merged over flow and line), once.
INSERT INTO {{database}}.hop_latency_1h
SELECT plant, bucket, hop, quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_quantiles), max(latency_max)
FROM {{database}}.flow_kpi_1h
WHERE (SELECT count() FROM {{database}}.hop_latency_1h) = 0
GROUP BY plant, bucket, hop;

INSERT INTO {{database}}.hop_latency_1d
SELECT plant, toStartOfDay(bucket) AS day, hop, quantilesTDigestMergeState(0.5, 0.9, 0.95, 0.99)(latency_quantiles), max(latency_max)
FROM {{database}}.flow_kpi_1h
WHERE (SELECT count() FROM {{database}}.hop_latency_1d) = 0
GROUP BY plant, day, hop;
