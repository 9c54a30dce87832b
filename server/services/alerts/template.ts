import type { PrismaClient } from '../../db/client'
import { isUniqueViolation } from '../../db/client'
import { ALERT_TIMING_DEFAULTS, type AlertParamsByKind, type AlertRuleKind, type AlertSeverity } from '../../domain/alerts'
import { FRESHNESS_RED_S, LAG_RED } from '../../ingest-status'
import { logger } from '../../logger'
import { loadSlaBook, type SlaBook } from '../sla/book'
import { ruleName } from './rule-names'

/**
 * The onboarding template: every plant, including one discovered from telemetry, gets this rule
 * set once, derived from its SLA targets (services/sla/book.ts, defaults of KPIS.md). Admins edit or
 * disable the rules per plant afterwards; onboarding never runs twice for a plant (AlertOnboarding),
 * so a rule an admin deleted stays deleted.
 */

export interface TemplateRule<K extends AlertRuleKind = AlertRuleKind> {
  kind: K
  flow: string
  severity: AlertSeverity
  forMinutes: number
  keepFiringMinutes: number
  params: AlertParamsByKind[K]
}

/**
 * How the numbers follow from the SLA book (flow SLA = the E2E latency target, 5 min by default):
 * KPI rules leave the threshold empty, so they follow later SLA edits; the non-event window is six
 * flow SLAs (30 min); stuck transactions must persist one flow SLA before firing and be gone for one
 * flow SLA before the alert resolves; freshness fires at the "red" bound of KPIS.md (60 s), never
 * below the freshness target. Every rule resolves only after a quiet spell (ALERT_TIMING_DEFAULTS),
 * so a condition hovering at its bound is one alert, not a page every few minutes.
 */
export function defaultRuleSet(plant: string, book: SlaBook): TemplateRule[] {
  const flowSlaMin = Math.max(1, Math.round(book.flowSlaMs(plant, '*') / 60_000))
  const backlog = book.target(plant, '*', 'dead_lettered_backlog').target
  const backlogAgeH = book.target(plant, '*', 'backlog_age_max').target
  const freshness = book.target(plant, '*', 'ingest_freshness').target
  const rule = <K extends AlertRuleKind>(r: TemplateRule<K>) => r as TemplateRule
  const keep = (kind: AlertRuleKind) => ALERT_TIMING_DEFAULTS[kind].keepFiringMinutes
  return [
    rule({ kind: 'kpi_sla', flow: '*', severity: 'warning', forMinutes: 10, keepFiringMinutes: keep('kpi_sla'), params: { kpi: 'e2e_latency_p95', windowMinutes: 60, minSamples: 10 } }),
    rule({ kind: 'kpi_sla', flow: '*', severity: 'warning', forMinutes: 15, keepFiringMinutes: keep('kpi_sla'), params: { kpi: 'first_pass_success', windowMinutes: 60, minSamples: 20 } }),
    rule({
      kind: 'dead_letter_backlog',
      flow: '*',
      severity: 'warning',
      forMinutes: 0,
      keepFiringMinutes: keep('dead_letter_backlog'),
      params: { maxOpen: Math.round(backlog), maxOldestAgeMinutes: Math.round(backlogAgeH * 60) },
    }),
    rule({ kind: 'stuck_transactions', flow: '*', severity: 'critical', forMinutes: flowSlaMin, keepFiringMinutes: flowSlaMin, params: { minCount: 1, stuckForMinutes: 0, lookbackHours: 24 } }),
    rule({
      kind: 'ingest_freshness',
      flow: '*',
      severity: 'critical',
      forMinutes: 5,
      keepFiringMinutes: keep('ingest_freshness'),
      params: { maxFreshnessSeconds: Math.max(Math.round(freshness), FRESHNESS_RED_S), maxLag: LAG_RED },
    }),
    rule({ kind: 'no_posting', flow: 'production_confirmation', severity: 'critical', forMinutes: 0, keepFiringMinutes: keep('no_posting'), params: { minutes: 6 * flowSlaMin } }),
    rule({ kind: 'no_posting', flow: 'goods_movement', severity: 'critical', forMinutes: 0, keepFiringMinutes: keep('no_posting'), params: { minutes: 6 * flowSlaMin } }),
  ]
}

/** Creates the default rule set for every plant that has none yet; returns the plants onboarded. */
export async function onboardPlants(prisma: PrismaClient): Promise<string[]> {
  const [plants, done] = await Promise.all([
    prisma.plant.findMany({ select: { code: true }, orderBy: { code: 'asc' } }),
    prisma.alertOnboarding.findMany({ select: { plantCode: true } }),
  ])
  const onboarded = new Set(done.map((d) => d.plantCode))
  const missing = plants.map((p) => p.code).filter((code) => !onboarded.has(code))
  if (missing.length === 0) return []
  const book = await loadSlaBook(prisma, missing)
  const created: string[] = []
  for (const plant of missing) {
    try {
      await prisma.$transaction(async (tx) => {
        // The marker first: a second worker onboarding at the same time fails here, not after the rules.
        await tx.alertOnboarding.create({ data: { plantCode: plant } })
        await tx.alertRule.createMany({
          data: defaultRuleSet(plant, book).map((r) => ({
            plantCode: plant,
            flow: r.flow,
            kind: r.kind,
            name: ruleName(r.kind, r.flow, null, r.params),
            params: r.params,
            severity: r.severity,
            fromTemplate: true,
            forMinutes: r.forMinutes,
            keepFiringMinutes: r.keepFiringMinutes,
            updatedBy: 'system:onboarding',
          })),
        })
      })
      created.push(plant)
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
    }
  }
  if (created.length) logger.info({ plants: created }, 'default alert rules created')
  return created
}
