-- Latencies in hour_stats as histograms (queries/hour-stats.ts, latencyKeySql): each value kept to
-- 3 significant digits (exact below 1 s, 10 ms steps below 10 s, 1 s steps below 1000 s and so on,
-- finer than the dashboards show them) with its count.
--
-- E2E per flow: a 30-day read summed ~2M stored values per flow into exact quantiles (the
-- dashboard's most costly query); now it sums at most a few thousand (value, count) pairs per flow
-- and hour.
ALTER TABLE {{database}}.hour_stats DROP COLUMN IF EXISTS e2e_ms;

ALTER TABLE {{database}}.hour_stats ADD COLUMN IF NOT EXISTS e2e_hist Map(UInt32, UInt64) AFTER duplicates;

-- Hop latency per hop, once per event_id (re-sent events count once), on the ('', '', hop) rows:
-- the dashboard reads it with the E2E histograms instead of merging the t-digests of
-- hop_latency_1h/1d, which counted re-sends, in a query of its own. Those tables go.
ALTER TABLE {{database}}.hour_stats ADD COLUMN IF NOT EXISTS latency_hist Map(UInt32, UInt64) AFTER hop_errors;

DROP VIEW IF EXISTS {{database}}.hop_latency_1h_mv;

DROP VIEW IF EXISTS {{database}}.hop_latency_1d_mv;

DROP TABLE IF EXISTS {{database}}.hop_latency_1h;

DROP TABLE IF EXISTS {{database}}.hop_latency_1d;

-- Stored sets without the histograms would read as "nothing posted, no latency": drop them all.
-- Every hour then reads as stale (no stored set) and is computed again, by the worker or by the
-- first read.
TRUNCATE TABLE IF EXISTS {{database}}.hour_stats;
