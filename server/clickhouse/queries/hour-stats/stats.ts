/** What `readStats` answers (read.ts): the dashboards' statistics per plant, flow, bucket, line and hop. */

export interface StatsCounts {
  transactions: number
  settled: number
  first_attempt_ok: number
  posted: number
  /** Posting-flow transactions older than 24 h at `now` / of those, posted within 24 h of their source. */
  older_24h: number
  posted_24h: number
  transient: number
  auto_recovered: number
  duplicates: number
  /** Open transactions by state (everything not posted). */
  open: number
  in_progress: number
  retrying: number
  waiting: number
  partial: number
  dead_lettered: number
  stuck: number
  /** Stuck for longer than the flow SLA again (age > 2 × SLA): the red condition of KPIS.md. */
  stuck_beyond_sla: number
  /** Oldest open transaction's source time (ISO) and the p95 of open transactions' age (ms). */
  oldest_open: string | null
  open_age_p95_ms: number | null
  /** Exact E2E quantiles (ms) over the posted transactions. */
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
  /** ERP hop events. */
  erp_events: number
  erp_errors: number
  errors_transient: number
  errors_dependency: number
  errors_permanent: number
  errors_partial: number
  dead_lettered_events: number
  posting_requests: number
  posting_successes: number
  posting_failures: number
}

export interface StatsBucket {
  plant: string
  /** Bucket start, ISO. */
  bucket: string
  started: number
  /** Of the window's transactions, those first posted in this bucket. */
  posted_in_bucket: number
  settled: number
  first_attempt_ok: number
  stuck: number
  e2e_p50_ms: number | null
  e2e_p95_ms: number | null
  erp_events: number
  errors_transient: number
  errors_dependency: number
  errors_permanent: number
  errors_partial: number
  posting_requests: number
  posting_successes: number
}

export interface StatsLine {
  plant: string
  line: string
  erp_events: number
  erp_errors: number
  posting_requests: number
  posting_successes: number
  posting_failures: number
  dead_lettered: number
}

export interface StatsHop {
  plant: string
  hop: string
  events: number
  errors: number
  /** Latency reported by the hop's events, once per event (ms, 3 significant digits); null: none reported. */
  p50_ms: number | null
  p95_ms: number | null
  max_ms: number | null
}

export interface StatsProduction {
  plant: string
  line: string
  busy_ms: number
  running_ms: number
  good: number
  scrap: number
  ideal_ms: number
  /** Parts of counts without an ideal cycle time (production confirmations). */
  unrated: number
}

export interface Stats {
  /** Per plant and flow ('*' = the whole plant). */
  totals: Array<StatsCounts & { plant: string; flow: string }>
  buckets: StatsBucket[]
  lines: StatsLine[]
  hops: StatsHop[]
  production: StatsProduction[]
  /** Hours computed and stored by this read because they were missing or stale (tests and the bench look). */
  plan: { refreshedHours: number }
}
