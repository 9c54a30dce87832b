-- E2E latency of hour_stats as a histogram instead of every value: a 30-day read summed ~2M stored
-- values per flow into exact quantiles (the dashboard's most costly query); now it sums at most a
-- few thousand (value, count) pairs per flow and hour. Values are kept to 3 significant digits
-- (queries/hour-stats.ts, E2E_KEY_SQL): exact below 1 s, 10 ms steps below 10 s, 1 s steps below
-- 1000 s and so on, finer than the dashboards show them.
ALTER TABLE {{database}}.hour_stats DROP COLUMN IF EXISTS e2e_ms;

ALTER TABLE {{database}}.hour_stats ADD COLUMN IF NOT EXISTS e2e_hist Map(UInt32, UInt64) AFTER duplicates;

-- Stored sets without a histogram would read as "nothing posted": drop them all. Every hour then
-- reads as stale (no stored set) and is computed again, by the worker or by the first read.
TRUNCATE TABLE IF EXISTS {{database}}.hour_stats;
