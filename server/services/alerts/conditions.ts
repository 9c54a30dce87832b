import type { TxnStateParams } from '../../clickhouse/queries/txn-state'
import {
  ALERT_KPI_INFO,
  flowWords,
  formatAlertValue,
  parseAlertParams,
  type AlertLink,
  type AlertRuleKind,
} from '../../domain/alerts'
import type { Shift } from '../../domain/plants'
import { isWindowWithinShifts, localTime, shiftAt } from '../../domain/shifts'
import { DEFAULT_FLOW_SLA_MS } from '../../domain/sla'
import type { SlaBook } from '../sla/book'
import type { AlertSources } from './sources'

/**
 * One verdict per rule and evaluation: does the condition hold now, with the number, the bound and
 * a sentence that says what is wrong in words and numbers, and the views that explain it.
 */

export interface Verdict {
  holds: boolean
  value: number | null
  threshold: number | null
  unit: string
  reason: string
  links: AlertLink[]
}

export interface RuleUnderTest {
  id: string
  kind: AlertRuleKind
  plantCode: string
  flow: string
  line: string | null
  params: unknown
}

export interface PlantCalendar {
  code: string
  timeZone: string
  shiftCalendar: Shift[]
}

export interface JudgeContext {
  now: Date
  sources: AlertSources
  book: SlaBook
  plant: PlantCalendar
  /** When the rule's open episode started (pending or firing), if it has one. */
  openSince: Date | null
}

const MIN = 60_000
const where = (r: RuleUnderTest) => `plant ${r.plantCode}${r.line ? ` line ${r.line}` : ''}`
const ofFlow = (flow: string) => (flow === '*' ? '' : ` of ${flowWords(flow)}`)

export async function judge(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  switch (rule.kind) {
    case 'kpi_sla':
      return judgeKpi(rule, ctx)
    case 'dead_letter_backlog':
      return judgeDeadLetters(rule, ctx)
    case 'stuck_transactions':
      return judgeStuck(rule, ctx)
    case 'ingest_freshness':
      return judgeFreshness(rule, ctx)
    case 'no_posting':
      return judgeNoPosting(rule, ctx)
  }
}

async function judgeKpi(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  const p = parseAlertParams('kpi_sla', rule.params)
  const info = ALERT_KPI_INFO[p.kpi]
  const from = new Date(ctx.now.getTime() - p.windowMinutes * MIN)
  const readings = await ctx.sources.kpi.read(p.kpi, { plant: rule.plantCode, flow: rule.flow, from, to: ctx.now })
  const judged = readings
    .filter((r) => r.value !== null && r.samples >= p.minSamples)
    .map((r) => {
      const threshold = p.threshold ?? ctx.book.target(rule.plantCode, r.flow === '*' ? rule.flow : r.flow, p.kpi).target
      const value = r.value!
      const breach = info.direction === 'max' ? value > threshold : value < threshold
      // How far past the bound, comparable across flows with different targets.
      const severity = info.direction === 'max' ? value / Math.max(threshold, 1e-9) : threshold - value
      return { ...r, value, threshold, breach, severity }
    })
  const links: AlertLink[] = [
    { page: 'plant', label: `Plant ${rule.plantCode} dashboard`, plant: rule.plantCode },
    p.kpi === 'e2e_latency_p95'
      ? { page: 'traces', label: 'Transactions of the window', plant: rule.plantCode, flow: rule.flow === '*' ? undefined : rule.flow, range: '1h' }
      : { page: 'exceptions', label: 'Failed postings', plant: rule.plantCode, flow: rule.flow === '*' ? undefined : rule.flow },
  ]
  const bound = (t: number) => `SLA ${info.direction === 'max' ? '≤' : '≥'} ${formatAlertValue(t, info.unit)}`
  const worst = judged.filter((j) => j.breach).sort((a, b) => b.severity - a.severity)[0]
  if (worst)
    return {
      holds: true,
      value: worst.value,
      threshold: worst.threshold,
      unit: info.unit,
      reason: `${info.label}${ofFlow(worst.flow)} in ${where(rule)} is ${formatAlertValue(worst.value, info.unit)} over the last ${p.windowMinutes} min (${bound(worst.threshold)}, ${formatAlertValue(worst.samples, 'count')} transactions)`,
      links,
    }
  const best = judged.sort((a, b) => b.severity - a.severity)[0]
  if (!best) {
    const samples = readings.reduce((n, r) => n + r.samples, 0)
    return {
      holds: false,
      value: null,
      threshold: p.threshold ?? null,
      unit: info.unit,
      reason: `Too few transactions for a verdict on ${info.label.toLowerCase()} in ${where(rule)}: ${samples} in the last ${p.windowMinutes} min (needs ${p.minSamples})`,
      links,
    }
  }
  return {
    holds: false,
    value: best.value,
    threshold: best.threshold,
    unit: info.unit,
    reason: `${info.label}${ofFlow(best.flow)} in ${where(rule)} is ${formatAlertValue(best.value, info.unit)} over the last ${p.windowMinutes} min (${bound(best.threshold)})`,
    links,
  }
}

async function judgeDeadLetters(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  const p = parseAlertParams('dead_letter_backlog', rule.params)
  const { open, oldest } = await ctx.sources.deadLetters(rule.plantCode, rule.flow)
  const ageMin = oldest ? Math.max(0, (ctx.now.getTime() - oldest.getTime()) / MIN) : null
  const tooMany = p.maxOpen !== undefined && open > p.maxOpen
  const tooOld = p.maxOldestAgeMinutes !== undefined && ageMin !== null && ageMin > p.maxOldestAgeMinutes
  const links: AlertLink[] = [
    { page: 'exceptions', label: 'Open dead letters', plant: rule.plantCode, flow: rule.flow === '*' ? undefined : rule.flow, status: ['new', 'triaged', 'failed_again'] },
  ]
  const what = `open ${rule.flow === '*' ? '' : `${flowWords(rule.flow)} `}dead letter`
  const count = `${formatAlertValue(open, 'count')} ${what}${open === 1 ? '' : 's'} in ${where(rule)}`
  const age = ageMin === null ? '' : `oldest ${formatAlertValue(ageMin, 'min')} old`
  if (tooMany || tooOld) {
    const byAge = !tooMany
    return {
      holds: true,
      value: byAge ? ageMin : open,
      threshold: byAge ? p.maxOldestAgeMinutes! : p.maxOpen!,
      unit: byAge ? 'min' : 'count',
      reason: [
        `${count}${tooMany ? ` (bound ${formatAlertValue(p.maxOpen!, 'count')})` : ''}`,
        age ? `${age}${tooOld ? ` (bound ${formatAlertValue(p.maxOldestAgeMinutes!, 'min')})` : ''}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      links,
    }
  }
  return { holds: false, value: open, threshold: p.maxOpen ?? null, unit: 'count', reason: [count, age].filter(Boolean).join('; '), links }
}

async function judgeStuck(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  const p = parseAlertParams('stuck_transactions', rule.params)
  const state: TxnStateParams = { now: ctx.now, slas: ctx.book.flowSlas(), defaultSlaMs: DEFAULT_FLOW_SLA_MS }
  const { stuck, oldest } = await ctx.sources.stuck({
    plant: rule.plantCode,
    flow: rule.flow,
    line: rule.line,
    from: new Date(ctx.now.getTime() - p.lookbackHours * 3_600_000),
    extraMs: p.stuckForMinutes * MIN,
    state,
  })
  const slaMin = ctx.book.flowSlaMs(rule.plantCode, rule.flow) / MIN
  const bound = `no posting within the ${rule.flow === '*' ? '' : `${flowWords(rule.flow)} `}flow SLA (${formatAlertValue(slaMin, 'min')}${p.stuckForMinutes ? ` + ${p.stuckForMinutes} min` : ''})`
  const oldestText = oldest ? `, oldest started ${formatAlertValue((ctx.now.getTime() - oldest.getTime()) / MIN, 'min')} ago` : ''
  return {
    holds: stuck >= p.minCount,
    value: stuck,
    threshold: p.minCount,
    unit: 'count',
    reason: `${formatAlertValue(stuck, 'count')} stuck transaction${stuck === 1 ? '' : 's'} in ${where(rule)}: ${bound}${oldestText}${stuck >= p.minCount && p.minCount > 1 ? ` (rule: ${p.minCount} or more)` : ''}`,
    links: [
      {
        page: 'traces',
        label: 'Stuck transactions',
        plant: rule.plantCode,
        flow: rule.flow === '*' ? undefined : rule.flow,
        line: rule.line ?? undefined,
        status: ['stuck'],
        range: p.lookbackHours <= 24 ? '24h' : '7d',
      },
    ],
  }
}

/** Telemetry older than this is not "late", it is a plant that is not connected: no verdict. */
const FRESHNESS_LOOKBACK_MS = 24 * 3_600_000

async function judgeFreshness(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  const p = parseAlertParams('ingest_freshness', rule.params)
  const newest = await ctx.sources.newestEvent(rule.plantCode, new Date(ctx.now.getTime() - FRESHNESS_LOOKBACK_MS))
  // Source clocks run ahead sometimes: a newest event "in the future" is fresh, not negative.
  const ageS = newest ? Math.max(0, (ctx.now.getTime() - newest.getTime()) / 1000) : null
  const lag = ctx.sources.ingestLag()
  const late = ageS !== null && ageS > p.maxFreshnessSeconds
  const behind = p.maxLag !== undefined && lag !== null && lag > p.maxLag
  const links: AlertLink[] = [{ page: 'plant', label: `Plant ${rule.plantCode}`, plant: rule.plantCode }]
  const freshness =
    ageS === null
      ? `No telemetry from plant ${rule.plantCode} in the last 24 h (not connected yet?)`
      : `${late ? 'No telemetry' : 'Newest telemetry'} from plant ${rule.plantCode} ${late ? `for ${formatAlertValue(ageS, 's')}` : `is ${formatAlertValue(ageS, 's')} old`} (bound ${formatAlertValue(p.maxFreshnessSeconds, 's')})`
  const lagText = lag === null ? '' : `ingest consumer lag ${formatAlertValue(lag, 'count')} records${p.maxLag !== undefined ? ` (bound ${formatAlertValue(p.maxLag, 'count')})` : ''}`
  const reason = [freshness, lagText].filter(Boolean).join('; ')
  if (behind && !late) return { holds: true, value: lag, threshold: p.maxLag!, unit: 'records', reason, links }
  return { holds: late || behind, value: ageS, threshold: p.maxFreshnessSeconds, unit: 's', reason, links }
}

async function judgeNoPosting(rule: RuleUnderTest, ctx: JudgeContext): Promise<Verdict> {
  const p = parseAlertParams('no_posting', rule.params)
  const from = new Date(ctx.now.getTime() - p.minutes * MIN)
  const plant = ctx.plant
  const flow = flowWords(rule.flow)
  const links: AlertLink[] = [
    { page: 'exceptions', label: `Failed ${flow} postings`, plant: rule.plantCode, flow: rule.flow === '*' ? undefined : rule.flow },
    { page: 'traces', label: `${flow} transactions`, plant: rule.plantCode, flow: rule.flow === '*' ? undefined : rule.flow, line: rule.line ?? undefined, range: '1h' },
    { page: 'plant', label: `Plant ${rule.plantCode}`, plant: rule.plantCode },
  ]
  if (!isWindowWithinShifts(plant.shiftCalendar, plant.timeZone, from, ctx.now))
    return {
      holds: false,
      value: null,
      threshold: p.minutes,
      unit: 'min',
      reason:
        plant.shiftCalendar.length === 0
          ? `Plant ${rule.plantCode} has no shift calendar: a non-event rule stays silent until an admin sets its shifts`
          : `Not judged: the last ${p.minutes} min in plant ${rule.plantCode} are not all inside shift hours (${plant.timeZone})`,
      links,
    }
  const postings = await ctx.sources.postings({ plant: rule.plantCode, flow: rule.flow, line: rule.line, from, to: ctx.now })
  if (postings === 0 && !ctx.openSince && !(await ctx.sources.observedBefore(rule.plantCode, from)))
    return {
      holds: false,
      value: null,
      threshold: p.minutes,
      unit: 'min',
      reason: `Not judged yet: no telemetry from plant ${rule.plantCode} before the window began, so the last ${p.minutes} min were not fully observed`,
      links,
    }
  if (postings > 0)
    return {
      holds: false,
      value: 0,
      threshold: p.minutes,
      unit: 'min',
      reason: `${formatAlertValue(postings, 'count')} ${flow} posting${postings === 1 ? '' : 's'} from ${where(rule)} in the last ${p.minutes} min`,
      links,
    }
  // The window had none when the episode started and has had none at every evaluation since.
  const silentMin = p.minutes + (ctx.openSince ? Math.max(0, (ctx.now.getTime() - ctx.openSince.getTime()) / MIN) : 0)
  const shift = shiftAt(plant.shiftCalendar, localTime(ctx.now.getTime(), plant.timeZone))
  return {
    holds: true,
    value: Math.round(silentMin),
    threshold: p.minutes,
    unit: 'min',
    reason: `No ${flow} posting from ${where(rule)} for ${formatAlertValue(Math.round(silentMin), 'min')} during ${shift?.name ?? 'the'} shift (rule: ${p.minutes} min)`,
    links,
  }
}
