import { fromChDateTime } from '../../../domain/ch-time'
import type { NUMBERS } from './sql'
import type { Stats, StatsBucket, StatsCounts, StatsHop, StatsLine, StatsProduction } from './stats'

/** grouping(flow, line, hop, bucket) of each set of the numbers query: a bit per key aggregated away. */
const SET = { plant: 0b1111, flow: 0b0111, line: 0b1011, hop: 0b1101, bucket: 0b1110 } as const
/** grouping(flow, bucket) of each set of the open query. */
const OPEN_SET = { plant: 0b11, flow: 0b01, bucket: 0b10 } as const

type Num = (typeof NUMBERS)[number]
export type NumberRow = Record<Num, number> & {
  plant: string
  period: number
  flow: string
  line: string
  hop: string
  bucket: string
  set: number
  older_24h: number
  posted_24h_older: number
  p50: number | null
  p95: number | null
}
/** q: p50, p95 and max (ms, to 3 significant digits) of a flow's E2E (hop '') or a hop's latency (flow ''). */
export interface LatencyRow {
  plant: string
  period: number
  flow: string
  hop: string
  q: Array<number | null>
  /** A flow's first successful postings by hour (empty on a hop's row). */
  posted_at: Record<string, number>
}
export interface OpenRow {
  plant: string
  period: number
  flow: string
  bucket: string
  set: number
  open: number
  dead_lettered: number
  partial: number
  stuck: number
  stuck_beyond_sla: number
  waiting: number
  retrying: number
  in_progress: number
  oldest: string
  age_p95: number
}

const N = (v: unknown) => Number(v ?? 0)
const quantile = (v: unknown) => (v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v))
const iso = (text: string) => fromChDateTime(text).toISOString()

/** Copies the named counts (0 when the row or the count is missing). */
function pick<K extends string>(row: Partial<Record<K, unknown>> | undefined, keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((k) => [k, N(row?.[k])])) as Record<K, number>
}

/** Counts a flow or the plant takes from the numbers query and from the open query under the same name. */
const COUNTED = [
  'transactions', 'settled', 'transient', 'auto_recovered', 'duplicates', 'erp_events', 'erp_errors', 'errors_transient',
  'errors_dependency', 'errors_permanent', 'errors_partial', 'posting_requests', 'posting_successes', 'posting_failures',
] as const
const OPEN_COUNTED = ['in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck', 'stuck_beyond_sla'] as const
/** Per-bucket counts of the series, from the numbers query. */
const BUCKET_COUNTED = [
  'settled', 'erp_events', 'errors_transient', 'errors_dependency', 'errors_permanent', 'errors_partial', 'posting_requests', 'posting_successes',
] as const

function countsOf(n: NumberRow | undefined, o: OpenRow | undefined, q: Array<number | null> | undefined): StatsCounts {
  const posted = N(n?.posted)
  const open = N(o?.open)
  return {
    ...pick(n, COUNTED),
    ...pick(o, OPEN_COUNTED),
    first_attempt_ok: N(n?.first_ok),
    posted,
    older_24h: N(n?.older_24h),
    posted_24h: N(n?.posted_24h_older),
    dead_lettered_events: N(n?.dead_lettered),
    open,
    oldest_open: open && o ? iso(o.oldest) : null,
    open_age_p95_ms: open && o ? quantile(o.age_p95) : null,
    e2e_p50_ms: posted && q ? quantile(q[0]) : null,
    e2e_p95_ms: posted && q ? quantile(q[1]) : null,
  }
}

const EMPTY_BUCKET: Omit<StatsBucket, 'plant' | 'bucket'> = {
  started: 0,
  posted_in_bucket: 0,
  settled: 0,
  first_attempt_ok: 0,
  stuck: 0,
  e2e_p50_ms: null,
  e2e_p95_ms: null,
  erp_events: 0,
  errors_transient: 0,
  errors_dependency: 0,
  errors_permanent: 0,
  errors_partial: 0,
  posting_requests: 0,
  posting_successes: 0,
}

/** The stats of one period (0 = [from, to), 1 = the previous one) from the rows of readStats' three reads. */
export function assemble(
  plants: readonly string[],
  period: number,
  rows: { numbers: NumberRow[]; latency: LatencyRow[]; open: OpenRow[] },
  plan: Stats['plan'],
): Stats {
  const mine = <T extends { period: number }>(rows: T[]) => rows.filter((r) => N(r.period) === period)
  const numbers = mine(rows.numbers)
  const latency = mine(rows.latency)
  const open = mine(rows.open)
  const totals: Stats['totals'] = []
  const lines: StatsLine[] = []
  const hops: StatsHop[] = []
  const production: StatsProduction[] = []
  const buckets = new Map<string, StatsBucket>()
  const bucketOf = (plant: string, t: string) => {
    const key = `${plant}|${t}`
    let b = buckets.get(key)
    if (!b) buckets.set(key, (b = { ...EMPTY_BUCKET, plant, bucket: t }))
    return b
  }
  for (const plant of plants) {
    const nums = numbers.filter((r) => r.plant === plant)
    const opens = open.filter((r) => r.plant === plant)
    // Flows are those with transactions (hop rows have flow '', the bucket quantile rows '*').
    for (const n of nums.filter((r) => N(r.set) === SET.flow && r.flow !== '' && r.flow !== '*'))
      totals.push({
        plant,
        flow: n.flow,
        ...countsOf(
          n,
          opens.find((o) => N(o.set) === OPEN_SET.flow && o.flow === n.flow),
          latency.find((e) => e.plant === plant && e.hop === '' && e.flow === n.flow)?.q,
        ),
      })
    const whole = nums.find((r) => N(r.set) === SET.plant)
    // The plant has no E2E quantiles of its own: KPIS.md's E2E latency is per flow.
    totals.push({ plant, flow: '*', ...countsOf(whole, opens.find((o) => N(o.set) === OPEN_SET.plant), undefined) })
    for (const e of latency) if (e.plant === plant) for (const [t, n] of Object.entries(e.posted_at)) bucketOf(plant, iso(t)).posted_in_bucket += N(n)
  }
  for (const r of numbers) {
    const set = N(r.set)
    if (set === SET.hop && r.hop !== '') {
      const q = latency.find((e) => e.plant === r.plant && e.flow === '' && e.hop === r.hop)?.q
      hops.push({ plant: r.plant, hop: r.hop, events: N(r.hop_events), errors: N(r.hop_errors), p50_ms: quantile(q?.[0]), p95_ms: quantile(q?.[1]), max_ms: quantile(q?.[2]) })
    }
    if (set === SET.line) {
      // Transaction rows carry line '' and no event counts: only lines with events are listed.
      if (N(r.erp_events) > 0)
        lines.push({
          plant: r.plant,
          line: r.line,
          erp_events: N(r.erp_events),
          erp_errors: N(r.erp_errors),
          posting_requests: N(r.posting_requests),
          posting_successes: N(r.posting_successes),
          posting_failures: N(r.posting_failures),
          dead_lettered: N(r.dead_lettered),
        })
      if (N(r.busy_ms) + N(r.good) + N(r.scrap) > 0)
        production.push({ plant: r.plant, line: r.line, busy_ms: N(r.busy_ms), running_ms: N(r.running_ms), good: N(r.good), scrap: N(r.scrap), ideal_ms: N(r.ideal_ms), unrated: N(r.unrated) })
    }
    if (set === SET.bucket)
      Object.assign(bucketOf(r.plant, iso(r.bucket)), {
        ...pick(r, BUCKET_COUNTED),
        started: N(r.transactions),
        first_attempt_ok: N(r.first_ok),
        e2e_p50_ms: quantile(r.p50),
        e2e_p95_ms: quantile(r.p95),
      })
  }
  for (const o of open) if (N(o.set) === OPEN_SET.bucket) bucketOf(o.plant, iso(o.bucket)).stuck = N(o.stuck)
  return { totals, buckets: [...buckets.values()].sort((a, b) => a.bucket.localeCompare(b.bucket)), lines, hops, production, plan }
}
