import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'
import { Counter, Histogram } from 'prom-client'
import type { Ctx } from '../../server/context/ctx'
import { metrics, perProcess } from '../../server/metrics'
import { evaluateAlerts, type EvaluateOptions } from '../../server/services/alerts/evaluate'
import { holdLease, releaseLease } from '../../server/services/alerts/lease'
import { onboardPlants } from '../../server/services/alerts/template'
import { every } from '../every'
import { nextDeliveryDue, sendDueDeliveries, type SenderOptions } from './sender'

/**
 * The worker's alerting loop (inside `npm start` and `npm run ingest`): every `evalIntervalMs` it
 * onboards new plants (default rule set), evaluates every rule on the rollups and queues
 * notifications; the sender then sends what is due. Only the holder of the Postgres lease does
 * either, so several workers never double-evaluate or double-send.
 *
 * The sender does not poll the outbox every `sendIntervalMs` for nothing: notifications are queued
 * by the evaluation (which wakes it) and, rarely, by the console (a rule deleted while firing). So it
 * sleeps until the earliest pending one is due, at least `sendIntervalMs` apart, and looks every
 * QUIET_SEND_MS (or every evaluation interval, when shorter) when none is pending. A look is one read;
 * the lease is renewed only when something is due. An idle demo's outbox look and lease write every
 * 2 s were its largest periodic cost (bench suite `idle`).
 */

export interface AlertingDeps {
  /** The `worker:alerts` context. */
  ctx: Ctx
  publicUrl: string
  evalIntervalMs: number
  /** Least time between two looks at the outbox while notifications are pending. Default: 2 s, or the evaluation interval when that is shorter. */
  sendIntervalMs?: number
  /** Passed to the evaluator (tests, the dashboards' KPI service later). */
  evaluate?: Pick<EvaluateOptions, 'kpi' | 'ingestLag'>
  sender?: Pick<SenderOptions, 'fetch' | 'baseDelayMs' | 'maxDelayMs' | 'maxAttempts' | 'timeoutMs'>
  /**
   * Why rules must not be evaluated now, or null. The embedded demo's first start writes its
   * history oldest hour first: until the last hours are stored, every "now" window is empty and
   * no-posting and backlog-age rules would fire on data that is on its way (scripts/serve.ts).
   */
  holdReason?: () => string | null
}

export interface Alerting {
  stop(): Promise<void>
}

const LEASE = 'alerts'
/** Between two looks at an empty outbox, for notifications the console queued. */
const QUIET_SEND_MS = 15_000
const KEY = Symbol.for('linetrace.alerts.metrics')

function alertMetrics() {
  return perProcess(KEY, build)
  function build() {
    const registers = [metrics().registry]
    return {
      evaluation: new Histogram({
        name: 'linetrace_alert_evaluation_duration_seconds',
        help: 'Duration of one evaluation of every alert rule',
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
      transitions: new Counter({ name: 'linetrace_alert_transitions_total', help: 'Alert episode transitions', labelNames: ['transition'] as const, registers }),
      deliveries: new Counter({ name: 'linetrace_alert_deliveries_total', help: 'Notification attempts by outcome', labelNames: ['outcome'] as const, registers }),
    }
  }
}

export function startAlerting(deps: AlertingDeps): Alerting {
  const { ctx } = deps
  const log = ctx.logger
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`
  const ttlMs = Math.max(3 * deps.evalIntervalMs, 30_000)
  const sendIntervalMs = deps.sendIntervalMs ?? Math.min(2_000, deps.evalIntervalMs)
  const m = alertMetrics()
  let holding = false
  /** The hold reason last logged (null: evaluating). */
  let waitingFor: string | null = null

  const lease = async () => {
    const held = await holdLease(ctx.db, LEASE, owner, ttlMs)
    if (held !== holding) log.info({ owner }, held ? 'alert evaluator lease taken' : 'alert evaluator lease held by another worker')
    holding = held
    return held
  }

  const quietMs = Math.max(sendIntervalMs, Math.min(QUIET_SEND_MS, deps.evalIntervalMs))
  const sending = every('alert-delivery', sendIntervalMs, sendIntervalMs, async () => {
    try {
      const due = await nextDeliveryDue(ctx.db)
      if (!due) return quietMs
      const wait = due.getTime() - Date.now()
      if (wait > 0) return Math.min(Math.max(wait, sendIntervalMs), quietMs)
      if (!(await lease())) return
      const s = await sendDueDeliveries({ prisma: ctx.db, publicUrl: deps.publicUrl, logger: log, webhookAllow: ctx.config.alertWebhookAllow, ...deps.sender })
      if (s.sent) m.deliveries.inc({ outcome: 'sent' }, s.sent)
      if (s.retrying) m.deliveries.inc({ outcome: 'retrying' }, s.retrying)
      if (s.failed) m.deliveries.inc({ outcome: 'failed' }, s.failed)
    } catch (error) {
      log.error({ err: error }, 'sending alert notifications failed; retrying shortly')
    }
  })

  const evaluating = every('alert-evaluation', deps.evalIntervalMs, Math.min(deps.evalIntervalMs, 5_000), async () => {
    try {
      const hold = deps.holdReason?.() ?? null
      if (hold !== waitingFor) log.info(hold ? { reason: hold } : {}, hold ? 'alert evaluation waits' : 'alert evaluation starts')
      waitingFor = hold
      if (hold) return
      if (!(await lease())) return
      await onboardPlants(ctx.db)
      const summary = await evaluateAlerts(ctx, { ...deps.evaluate, intervalMs: deps.evalIntervalMs })
      m.evaluation.observe(summary.durationMs / 1000)
      for (const [t, n] of Object.entries(summary.transitions)) if (t !== 'none' && t !== 'updated') m.transitions.inc({ transition: t }, n)
      log.debug({ alerts: summary }, 'alert rules evaluated')
      if (summary.errors.length) log.warn({ errors: summary.errors.slice(0, 5), count: summary.errors.length }, 'some alert rules could not be evaluated')
      // What this evaluation queued goes out now, not at the sender's next look.
      sending.wake()
    } catch (error) {
      log.error({ err: error }, 'alert evaluation failed; retrying at the next interval')
    }
  })

  return {
    async stop() {
      await Promise.all([evaluating.stop(), sending.stop()])
      if (holding) await releaseLease(ctx.db, LEASE, owner).catch(() => undefined)
    },
  }
}
