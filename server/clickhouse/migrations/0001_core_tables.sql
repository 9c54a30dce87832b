-- Core telemetry tables: the hop event log, payloads kept apart, and the business-key index.
-- {{database}} is replaced by the runner (migrate.ts) with the configured database name.
-- Every statement is idempotent (IF NOT EXISTS): a half-applied file is simply run again.

-- One row per hop event; the source of truth and the trace lookup.
-- * ReplacingMergeTree(ingested_at) on (correlation_id, event_id): a re-sent event (new Kafka
--   offset, same event_id) collapses to the latest copy in background merges; reads must not wait
--   for that and use `LIMIT 1 BY event_id` (never FINAL).
-- * PARTITION BY toMonday(origin_time): all hops of one transaction share origin_time, so they
--   share one partition, a deep link carrying origin_time prunes to it, and a re-sent duplicate
--   always lands in the partition of its original (merges only collapse inside a partition).
-- * Small granules (2048): trace lookups read one or two granules, not 8192 rows.
-- * No payload column: payloads make every scan slow (see hop_payloads).
CREATE TABLE IF NOT EXISTS {{database}}.hop_events
(
    event_id          String,
    event_type        LowCardinality(String),
    schema_version    UInt16 DEFAULT 1,
    occurred_at       DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    -- when the reporting hop recorded it; the event model's default is the ingest time
    recorded_at       DateTime64(3, 'UTC') DEFAULT ingested_at CODEC(Delta, ZSTD),
    origin_time       DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    ingested_at       DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta, ZSTD),

    correlation_id    String,
    causation_id      String DEFAULT '',
    idempotency_key   String DEFAULT '',
    trace_id          String DEFAULT '',
    span_id           String DEFAULT '',
    parent_span_id    String DEFAULT '',

    flow              LowCardinality(String),
    hop               LowCardinality(String),
    status            LowCardinality(String),
    plant             LowCardinality(String),
    line              LowCardinality(String) DEFAULT '',
    work_center       LowCardinality(String) DEFAULT '',
    storage_location  LowCardinality(String) DEFAULT '',
    location_path     LowCardinality(String) DEFAULT '',
    source_system     LowCardinality(String) DEFAULT '',
    source_instance   LowCardinality(String) DEFAULT '',

    work_order        String DEFAULT '',
    operation         LowCardinality(String) DEFAULT '',
    material          String DEFAULT '',
    lot               String DEFAULT '',
    serials           Array(String) DEFAULT [],
    handling_unit     String DEFAULT '',
    shipment          String DEFAULT '',
    qty_good          Float64 DEFAULT 0,
    qty_scrap         Float64 DEFAULT 0,
    uom               LowCardinality(String) DEFAULT '',
    erp_document      String DEFAULT '',

    -- NULL = not known; aggregate functions skip NULLs, so unknown latencies do not drag
    -- quantiles towards zero.
    latency_ms        Nullable(UInt32),
    -- 0 = not a posting (attempts count from 1).
    attempt           UInt16 DEFAULT 0,

    -- '' = no error object on the event.
    error_category    LowCardinality(String) DEFAULT '',
    error_code        LowCardinality(String) DEFAULT '',
    error_text        String DEFAULT '' CODEC(ZSTD(3)),
    error_retryable   Bool DEFAULT false,
    dependency_key    String DEFAULT '',

    replay_id         String DEFAULT '',
    replayed          Bool DEFAULT replay_id != '',
    payload_truncated Bool DEFAULT false,
    attributes        Map(LowCardinality(String), String) DEFAULT map(),

    -- Kafka coordinates of the record this row came from (audit, re-processing).
    src_topic         LowCardinality(String) DEFAULT '',
    src_partition     Int32 DEFAULT -1,
    src_offset        Int64 DEFAULT -1,

    -- Time since the transaction started; the e2e latency when this hop is the successful posting.
    since_origin_ms   Int64 MATERIALIZED dateDiff('millisecond', origin_time, occurred_at),

    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_idempotency_key idempotency_key TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_occurred_at occurred_at TYPE minmax GRANULARITY 1
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toMonday(origin_time)
ORDER BY (correlation_id, event_id)
TTL toDateTime(origin_time) + INTERVAL 90 DAY
SETTINGS index_granularity = 2048,
         ttl_only_drop_parts = 1,
         -- lets a retried batch with the same insert_deduplication_token be dropped
         non_replicated_deduplication_window = 1000;

-- Payloads, read only when a person opens a hop. Same key and partitions as hop_events; tiny
-- granules because every read is a point read of one event, and strong compression.
CREATE TABLE IF NOT EXISTS {{database}}.hop_payloads
(
    correlation_id String,
    event_id       String,
    origin_time    DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    content_type   LowCardinality(String) DEFAULT 'application/json',
    payload        String CODEC(ZSTD(6))
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(origin_time)
ORDER BY (correlation_id, event_id)
TTL toDateTime(origin_time) + INTERVAL 30 DAY
SETTINGS index_granularity = 256,
         ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

-- Business key -> transaction. ReplacingMergeTree over the full ORDER BY key: every hop of a
-- transaction (and every re-sent copy) emits the same key rows, merges collapse them; reads use
-- DISTINCT / LIMIT 1 BY correlation_id for what is not merged yet.
CREATE TABLE IF NOT EXISTS {{database}}.txn_keys
(
    key_type       LowCardinality(String),
    key_value      String,
    origin_time    DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    correlation_id String,
    plant          LowCardinality(String)
)
ENGINE = ReplacingMergeTree
PARTITION BY toMonday(origin_time)
ORDER BY (key_type, key_value, origin_time, correlation_id)
TTL toDateTime(origin_time) + INTERVAL 90 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

-- One row per non-empty business key of each hop event. Keys and lookups:
-- work_order, lot, material, shipment, erp_document, trace_id.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.txn_keys_mv TO {{database}}.txn_keys AS
SELECT
    k.1 AS key_type,
    k.2 AS key_value,
    origin_time,
    correlation_id,
    plant
FROM {{database}}.hop_events
ARRAY JOIN arrayFilter(
    x -> x.2 != '',
    [('work_order', work_order), ('lot', lot), ('material', material),
     ('shipment', shipment), ('erp_document', erp_document), ('trace_id', trace_id)]
) AS k;
