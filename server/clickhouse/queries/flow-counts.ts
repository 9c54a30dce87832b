/**
 * The flow KPI rollups (migration 0014): a row per (plant, bucket, flow, hop, line, counter) with
 * one exact uniqExact state of event-id hashes, and the latency states on the `events` row. The
 * definition of each counter is the views' SQL in 0014_flow_kpi_counter_rows.sql.
 */
export const FLOW_COUNTERS = [
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
  'posting_failures',
] as const
export type FlowCounter = (typeof FLOW_COUNTERS)[number]

/** Minute buckets keep 14 days; hours 13 months. */
export const FLOW_KPI_TABLE = { '1m': 'flow_kpi_counts_1m', '1h': 'flow_kpi_counts_1h' } as const

/** One counter's exact count over the rows a query reads (re-sent events absorbed). */
export const countOf = (counter: FlowCounter): string => `uniqExactMergeIf(ids, counter = '${counter}')`
