-- The two reconciliation KPIs (KPIS.md "Quantity reconciliation gap", "Inventory posting delay")
-- per plant and origin hour, computed once from recon_txn (queries/reconciliation-kpis.ts), so the
-- KPI report of a 30-day dashboard reads ~720 small sets instead of merging every transaction of
-- the month twice (period and previous period: over 10 s at 10M hop events).
--
-- Kept current as recon_hour (0007): a set is current while `marks` equals hour_marks' count of the
-- hour; a read computes stale hours first. Nothing needs backfilling: an hour without a set is stale
-- and computed on the first read that covers it. What depends on the time of the read or on the
-- (editable) flow SLA is kept as values and judged when read: a production confirmation without a
-- posting and not parked counts towards its order only once "never posted" (older than the SLA).
--
-- Rows of one set (one computed_at per plant and hour):
--   work_order 'WO…'  the hour's production confirmations of that order;
--   work_order ''     always present (it carries `marks`, so an hour without orders is computed
--                     too) and holds the hour's movement delays.
CREATE TABLE IF NOT EXISTS {{database}}.recon_kpi_hour
(
    plant         LowCardinality(String),
    bucket        DateTime('UTC'),
    work_order    String,
    computed_at   DateTime64(3, 'UTC'),
    marks         UInt64,
    -- confirmations posted or parked (settled whatever the time of the read): count, Σ source and Σ ERP quantity
    settled_txns  UInt32,
    settled_src   Float64,
    settled_erp   Float64,
    -- confirmations without a posting and not parked: (origin, source quantity), settled once older than the SLA
    open_txns     Array(Tuple(DateTime64(3, 'UTC'), Float64)),
    -- goods movements and transfers posted: first posting − the material movement (ms)
    delays_ms     Array(Int64)
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(bucket)
ORDER BY (plant, bucket, work_order)
TTL bucket + INTERVAL 90 DAY;
