import type { Ctx } from '../../context/ctx'
import type { AlertRule, AlertSilence } from '../../db/client'
import { shiftCalendarSchema } from '../../domain/plants'
import { logger } from '../../logger'
import { kpiServiceSource } from '../kpis/alert-source'
import { loadSlaBook } from '../sla/book'
import { judge, type PlantCalendar, type Verdict } from './conditions'
import { applyVerdict, resolveEpisode, type Transition } from './episodes'
import { createAlertSources, type AlertSources, type KpiSource } from './sources'

/**
 * One evaluation of every enabled rule (the worker runs it every ALERT_EVAL_INTERVAL_MS under a
 * lease). Reads rollups and Postgres only. A rule whose read fails keeps its episode as it was
 * (no flapping on a transient ClickHouse error) and is counted in `errors`.
 */

export interface EvaluateOptions {
  now?: Date
  /** Replace the ClickHouse-backed KPI source (the dashboards' KPI service, tests). */
  kpi?: KpiSource
  /** Replace every source (tests). */
  sources?: AlertSources
  ingestLag?: () => number | null
  /**
   * How often the worker evaluates (ALERT_EVAL_INTERVAL_MS, default 60 s). Evaluations more than
   * three intervals (at least 3 min) apart did not watch the condition in between: episodes.ts
   * starts the `for` and keep-firing clocks over.
   */
  intervalMs?: number
}

export interface EvaluationSummary {
  at: string
  rules: number
  transitions: Partial<Record<Transition, number>>
  errors: Array<{ ruleId: string; message: string }>
  durationMs: number
}

/** Silences and maintenance windows apply to a rule by plant, and optionally by rule or flow. */
function covers(s: Pick<AlertSilence, 'plantCode' | 'ruleId' | 'flow' | 'startsAt' | 'endsAt'>, rule: Pick<AlertRule, 'id' | 'plantCode' | 'flow'>, now: Date): boolean {
  return (
    s.plantCode === rule.plantCode &&
    (s.ruleId === null || s.ruleId === rule.id) &&
    (s.flow === null || s.flow === rule.flow) &&
    s.startsAt <= now &&
    now < s.endsAt
  )
}

export async function evaluateAlerts(ctx: Pick<Ctx, 'db' | 'ch' | 'actor'>, opts: EvaluateOptions = {}): Promise<EvaluationSummary> {
  const started = performance.now()
  const now = opts.now ?? new Date()
  const { db } = ctx
  const [rules, plants, windows, channels, openEpisodes, book] = await Promise.all([
    db.alertRule.findMany({ where: { enabled: true }, orderBy: [{ plantCode: 'asc' }, { createdAt: 'asc' }] }),
    db.plant.findMany({ select: { code: true, timeZone: true, shiftCalendar: true } }),
    db.alertSilence.findMany({ where: { startsAt: { lte: now }, endsAt: { gt: now } } }),
    db.alertChannel.findMany({ where: { enabled: true } }),
    db.alertEpisode.findMany({ where: { openKey: { not: null } } }),
    loadSlaBook(db),
  ])
  const plantsWithRules = [...new Set(rules.map((r) => r.plantCode))]
  const sources = opts.sources ?? createAlertSources(ctx, { plants: plantsWithRules, kpi: opts.kpi ?? kpiServiceSource(ctx, plantsWithRules), ingestLag: opts.ingestLag })
  const calendars = new Map<string, PlantCalendar>(
    plants.map((p) => {
      const shifts = shiftCalendarSchema.safeParse(p.shiftCalendar)
      return [p.code, { code: p.code, timeZone: p.timeZone, shiftCalendar: shifts.success ? shifts.data : [] }]
    }),
  )
  const openByRule = new Map(openEpisodes.map((e) => [e.ruleId, e]))
  const summary: EvaluationSummary = { at: now.toISOString(), rules: rules.length, transitions: {}, errors: [], durationMs: 0 }
  const maxGapMs = Math.max(3 * (opts.intervalMs ?? 60_000), 3 * 60_000)

  for (const rule of rules) {
    const open = openByRule.get(rule.id) ?? null
    openByRule.delete(rule.id)
    try {
      const plant = calendars.get(rule.plantCode)
      // A rule of a plant that no longer exists has nothing to watch.
      if (!plant) continue
      const maintenance = windows.find((w) => w.kind === 'maintenance' && covers(w, rule, now))
      const verdict: Verdict = maintenance
        ? { holds: false, value: null, threshold: null, unit: open?.unit ?? '', reason: `Maintenance window until ${maintenance.endsAt.toISOString()}: ${maintenance.reason}`, links: [] }
        : await judge(rule, { now, sources, book, plant, openSince: open?.startedAt ?? null })
      const silenced = windows.some((w) => w.kind === 'silence' && covers(w, rule, now))
      const transition = await applyVerdict(db, rule, verdict, open, { now, silenced, channels, maxGapMs })
      summary.transitions[transition] = (summary.transitions[transition] ?? 0) + 1
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      summary.errors.push({ ruleId: rule.id, message })
      logger.warn({ err: error, ruleId: rule.id, plant: rule.plantCode, kind: rule.kind }, 'alert rule evaluation failed')
    }
  }

  // Open episodes whose rule was disabled or deleted: resolved, with a note saying why.
  for (const episode of openByRule.values()) {
    await db.$transaction((tx) => resolveEpisode(tx, episode, now, channels, episode.ruleId ? 'rule disabled' : 'rule deleted'))
    summary.transitions.resolved = (summary.transitions.resolved ?? 0) + 1
  }
  summary.durationMs = Math.round(performance.now() - started)
  return summary
}
