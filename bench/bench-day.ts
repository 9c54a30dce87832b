import { recentDay } from '../server/testing/recent-day'

/**
 * Where the benches' generated events start: yesterday 00:00 UTC, so a day of them lies in the past.
 * Never a fixed date: ClickHouse drops rows past a table's TTL as they are inserted (flow_kpi_counts_1m
 * keeps 14 days, hop_payloads 30), so a bench whose events age out measures less work than a plant
 * does, with nothing changed in the code.
 */
export const BENCH_BASE_MS = Date.parse(`${recentDay(1)}T00:00:00Z`)
