-- Reconciliation of what the shop floor sent against what ERP posted (KPIS.md "Quantity
-- reconciliation gap", "Inventory posting delay"; the Reconciliation view). Definitions of the
-- differences are in queries/reconciliation.ts.
--
-- One logical row per transaction, lean on purpose: a 30-day summary merges every transaction of a
-- plant (GROUP BY its sort key), so each column costs on every read: scalars only, no arrays (an
-- array-of-tuples version read 30x slower). Like every rollup here, only duplicate-safe aggregates:
-- a re-sent event (same event_id) gives the same min and max.
--
-- A transaction is one source event (EVENT-MODEL.md: one production confirmation, one movement),
-- so its source quantity is that event's; MES is preferred over other shop-floor systems. ERP
-- documents are kept as the smallest and largest: two distinct documents <=> they differ, which is
-- "posted twice" without storing a set.
CREATE TABLE IF NOT EXISTS {{database}}.recon_txn
(
    plant            LowCardinality(String),
    flow             LowCardinality(String),
    origin_time      DateTime64(3, 'UTC') CODEC(Delta, ZSTD),
    correlation_id   String,
    work_order       SimpleAggregateFunction(max, String),
    -- good quantity of the source event: reported by the MES, else by another shop-floor system (WMS)
    mes_qty          SimpleAggregateFunction(max, Nullable(Float64)),
    floor_qty        SimpleAggregateFunction(max, Nullable(Float64)),
    -- successful ERP postings: smallest / largest document, smallest / largest confirmed quantity
    doc_min          SimpleAggregateFunction(min, Nullable(String)),
    doc_max          SimpleAggregateFunction(max, Nullable(String)),
    erp_qty_min      SimpleAggregateFunction(min, Nullable(Float64)),
    erp_qty_max      SimpleAggregateFunction(max, Nullable(Float64)),
    first_posted_at  SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    -- the material movement itself (consumed / produced / transferred), for the inventory posting delay
    movement_at      SimpleAggregateFunction(min, Nullable(DateTime64(3, 'UTC'))),
    -- parked: dead-lettered and not replayed since
    dead_lettered_at SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    replayed_at      SimpleAggregateFunction(max, Nullable(DateTime64(3, 'UTC'))),
    -- the order was closed in ERP (TECO / CLSD status change of its work_order_release transaction)
    closes_order     SimpleAggregateFunction(max, UInt8)
)
ENGINE = AggregatingMergeTree
PARTITION BY toMonday(origin_time)
ORDER BY (plant, flow, origin_time, correlation_id)
TTL toDateTime(origin_time) + INTERVAL 90 DAY
SETTINGS ttl_only_drop_parts = 1,
         non_replicated_deduplication_window = 1000;

-- Quantities: `quantity.good` is what a hop reports; 0 with no unit is "no quantity" (the column
-- default). Successful postings are erp.posting_succeeded and erp.posting_partially_succeeded (the
-- confirmation posted, a backflush failed); a re-posted backflush (attributes scope = backflush)
-- is a component movement of a posting that already has its document, not a second posting.
CREATE MATERIALIZED VIEW IF NOT EXISTS {{database}}.recon_txn_mv TO {{database}}.recon_txn AS
SELECT e.plant AS plant, e.flow AS flow, e.origin_time AS origin_time, e.correlation_id AS correlation_id, max(e.work_order) AS work_order,
    maxIfOrNull(e.qty_good, e.hop = 'mes' AND NOT startsWith(e.event_type, 'erp.') AND (e.qty_good != 0 OR e.uom != '')) AS mes_qty,
    maxIfOrNull(e.qty_good, e.hop NOT IN ('mes', 'hub', 'erp', 'machine', 'edge', 'console') AND NOT startsWith(e.event_type, 'erp.')
        AND (e.qty_good != 0 OR e.uom != '')) AS floor_qty,
    minIfOrNull(e.erp_document, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.erp_document != ''
        AND e.attributes['scope'] != 'backflush') AS doc_min,
    maxIfOrNull(e.erp_document, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.erp_document != ''
        AND e.attributes['scope'] != 'backflush') AS doc_max,
    minIfOrNull(e.qty_good, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.attributes['scope'] != 'backflush'
        AND (e.qty_good != 0 OR e.uom != '')) AS erp_qty_min,
    maxIfOrNull(e.qty_good, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.attributes['scope'] != 'backflush'
        AND (e.qty_good != 0 OR e.uom != '')) AS erp_qty_max,
    minIfOrNull(e.occurred_at, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded')) AS first_posted_at,
    minIfOrNull(e.occurred_at, e.event_type IN ('inventory.material_consumed', 'inventory.material_produced', 'inventory.transfer_posted')
        AND e.hop != 'erp') AS movement_at,
    maxIfOrNull(e.occurred_at, e.status = 'dead_lettered') AS dead_lettered_at,
    maxIfOrNull(e.occurred_at, e.replayed) AS replayed_at,
    max(toUInt8(e.event_type = 'plan.work_order_status_changed' AND e.attributes['status'] IN ('TECO', 'CLSD'))) AS closes_order
FROM {{database}}.hop_events AS e
GROUP BY e.plant, e.flow, e.origin_time, e.correlation_id;

-- Events written before this migration, once (the table is empty only before the first run).
INSERT INTO {{database}}.recon_txn
SELECT e.plant, e.flow, e.origin_time, e.correlation_id, max(e.work_order) AS work_order,
    maxIfOrNull(e.qty_good, e.hop = 'mes' AND NOT startsWith(e.event_type, 'erp.') AND (e.qty_good != 0 OR e.uom != '')) AS mes_qty,
    maxIfOrNull(e.qty_good, e.hop NOT IN ('mes', 'hub', 'erp', 'machine', 'edge', 'console') AND NOT startsWith(e.event_type, 'erp.')
        AND (e.qty_good != 0 OR e.uom != '')) AS floor_qty,
    minIfOrNull(e.erp_document, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.erp_document != ''
        AND e.attributes['scope'] != 'backflush') AS doc_min,
    maxIfOrNull(e.erp_document, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.erp_document != ''
        AND e.attributes['scope'] != 'backflush') AS doc_max,
    minIfOrNull(e.qty_good, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.attributes['scope'] != 'backflush'
        AND (e.qty_good != 0 OR e.uom != '')) AS erp_qty_min,
    maxIfOrNull(e.qty_good, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded') AND e.attributes['scope'] != 'backflush'
        AND (e.qty_good != 0 OR e.uom != '')) AS erp_qty_max,
    minIfOrNull(e.occurred_at, e.event_type IN ('erp.posting_succeeded', 'erp.posting_partially_succeeded')) AS first_posted_at,
    minIfOrNull(e.occurred_at, e.event_type IN ('inventory.material_consumed', 'inventory.material_produced', 'inventory.transfer_posted')
        AND e.hop != 'erp') AS movement_at,
    maxIfOrNull(e.occurred_at, e.status = 'dead_lettered') AS dead_lettered_at,
    maxIfOrNull(e.occurred_at, e.replayed) AS replayed_at,
    max(toUInt8(e.event_type = 'plan.work_order_status_changed' AND e.attributes['status'] IN ('TECO', 'CLSD'))) AS closes_order
FROM {{database}}.hop_events AS e
WHERE (SELECT count() FROM {{database}}.recon_txn) = 0
GROUP BY e.plant, e.flow, e.origin_time, e.correlation_id;

-- The Reconciliation summary's numbers per plant, origin hour and flow, computed once from
-- recon_txn (queries/reconciliation-hours.ts) and current while `marks` equals hour_marks' count of
-- the hour (as hour_stats, 0004). A 30-day summary then reads ~3,000 small rows instead of merging
-- every transaction of the month. What depends on the time of the read or on the (editable) flow
-- SLA is kept as values and judged when read: the delay of each posted transaction, the origin of
-- each one without a posting. Flow '' marks an hour computed without any posting-flow transaction.
CREATE TABLE IF NOT EXISTS {{database}}.recon_hour
(
    plant            LowCardinality(String),
    bucket           DateTime('UTC'),
    flow             LowCardinality(String),
    computed_at      DateTime64(3, 'UTC'),
    marks            UInt64,
    transactions     UInt32,
    posted           UInt32,
    documents        UInt32,
    source_qty       Float64,
    erp_qty          Float64,
    posted_twice     UInt32,
    quantity_differs UInt32,
    -- without a posting and parked in a dead-letter queue: never posted whatever their age
    parked_unposted  UInt32,
    -- first-posting delay (ms) of each posted transaction: "posted late" against the SLA of the read
    delays_ms        Array(UInt32),
    -- origin of each transaction without a posting and not parked: "never posted" once older than the SLA
    open_origin      Array(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, flow)
TTL bucket + INTERVAL 90 DAY;
