const DAY_MS = 86_400_000

/**
 * A fixture's calendar day, counted back from today (UTC, `YYYY-MM-DD`). ClickHouse drops rows past
 * a table's TTL as they are inserted (flow_kpi_counts_1m keeps 14 days, hop_payloads 30, hop_events 90), so
 * a fixture written with a fixed date stops reaching those tables some days later and its test
 * fails on a day nobody changed anything. Fixtures keep their exact times of day on this day instead.
 */
export function recentDay(daysBack: number): string {
  return new Date(Date.now() - daysBack * DAY_MS).toISOString().slice(0, 10)
}
