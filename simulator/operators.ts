import type { OutgoingRecord } from '../server/bus/port'
import type { Engine } from './engine/engine'
import { DLQ_CONTEXT_PREFIXES } from './hub/dlq'
import type { DeadLetterNotice } from './hub/core'
import { iso, uuidv7 } from './ids'
import { periodOf } from './local-time'
import type { Outbox } from './outbox'
import { Rng } from './prng'
import type { Scheduler } from './scheduler'
import type { World } from './world'

/**
 * Simulated support operators: they replay dead letters once the cause is fixed, the way the
 * console's replay executor does (original key and value — or an edited value for a TECO order —,
 * business headers kept, DLQ context stripped, x-replay-* provenance added, produced to the source
 * topic). Without them a week of history would end with every dead letter still open, and replay
 * and MTTR KPIs would have nothing to show. They react at least `minDelayMs` after the fix, so in
 * a live demo the fresh dead letters are left for the person at the console; about 1% wait for the
 * next shift (6–16 h more), so there are older ones too. None is left for good: a well-run support
 * team clears its queue within a day, and one forgotten dead letter per plant turned every plant's
 * week amber ("Backlog age (max)" over 24 h) and fired the dead-letter warning in all of them.
 * Only what no replay can fix is left alone (an invalid message, a period that never reopens).
 */

export interface OperatorDeps {
  seed: string
  sched: Scheduler
  world: World
  out: Outbox
  engine: Engine
  /** Earliest reaction after a dead letter's cause is fixed. */
  minDelayMs: number
  /** The run ends: nothing is replayed after this (SimulatorDeps.replayBy). */
  replayBy?: number
}

export interface OperatorStats {
  scheduled: number
  sent: number
  /** Of those scheduled, put off to the next shift. */
  nextShift: number
  leftAlone: number
}

const NAMES = ['anna.k', 'marc.d', 'lisa.w', 'raj.p', 'tomas.h', 'mei.l']
const MIN = 60_000
const HOUR = 60 * MIN

export class Operators {
  readonly stats: OperatorStats = { scheduled: 0, sent: 0, nextShift: 0, leftAlone: 0 }

  constructor(private readonly deps: OperatorDeps) {}

  onDeadLetter(n: DeadLetterNotice): void {
    // Seeded by the dead letter itself, not by its DLQ offset: that depends on what else the shared
    // topic holds (a live run beside an older history), and a resumed history must plan the same replays.
    const text = (v: Buffer | string | null | undefined) => (v == null ? '' : v.toString())
    const rng = Rng.of(this.deps.seed, 'operator', n.topics.dlq, n.at, text(n.record.key), text(n.record.value))
    const plan = this.plan(n, rng)
    if (!plan) {
      this.stats.leftAlone++
      return
    }
    // A replay that must land inside a reopened period's window is never moved.
    if (rng.chance(0.01) && plan.until === undefined) {
      plan.at += rng.uniform(6, 16) * HOUR
      this.stats.nextShift++
    }
    // A run that ends replays what it would have replayed after its end just before it (its fixes are
    // in by then); a dead letter after that, it leaves (replayed at once, it would fail again and again).
    const { replayBy } = this.deps
    if (replayBy !== undefined && plan.until === undefined && plan.at > replayBy) {
      if (n.at >= replayBy) {
        this.stats.leftAlone++
        return
      }
      plan.at = replayBy
    }
    this.stats.scheduled++
    this.deps.sched.at(plan.at, (t) => this.replay(n, t, rng, plan))
  }

  /** When the cause is gone (the operators know: they fixed it) and how the replay is grouped. */
  private plan(n: DeadLetterNotice, rng: Rng): { at: number; job: string; reason: string; edit: boolean; until?: number } | undefined {
    const { world } = this.deps
    const msg = n.message
    const plant = n.plant.code
    const react = () => this.deps.minDelayMs + rng.exp(30 * MIN)
    const job = (group: string, at: number) => `job-${plant}-${group}-${Math.floor(at / (30 * MIN))}`
    if (n.reason === 'validation' || !msg) return undefined
    if (n.reason === 'retries_exhausted') {
      const at = n.at + react()
      return { at, job: job(n.error.code, at), reason: 'ERP available again', edit: false }
    }
    if (n.reason === 'dependency_timeout' || n.reason === 'partial') {
      const d = n.error.dependency_key ? world.deficits.get(n.error.dependency_key) : undefined
      const ready = d ? Math.min(d.resolvedAt ?? Infinity, d.autoResolveAt) : n.at
      const at = Math.max(ready, n.at) + react()
      return { at, job: job('stock', at), reason: n.reason === 'partial' ? 'Re-post failed backflush after goods receipt' : 'Stock available now', edit: false }
    }
    const materials = 'components' in msg ? [msg.material, ...msg.components.map((c) => c.material)] : 'material' in msg ? [msg.material] : []
    switch (n.error.code) {
      case 'M3/305': {
        const fixed = Math.max(...materials.map((m) => world.missingMaterial(plant, m)?.fixedAt ?? 0))
        const at = Math.max(fixed, n.at) + react()
        return { at, job: job('md', fixed), reason: 'Material extended to plant (MM01)', edit: false }
      }
      case 'M8/147': {
        const fixed = Math.max(...materials.map((m) => world.valuationGap(m)?.fixedAt ?? 0))
        const at = Math.max(fixed, n.at) + react()
        return { at, job: job('acct', fixed), reason: 'G/L account maintained (OBYC)', edit: false }
      }
      case 'M7/120': {
        const fixed = world.unauthorizedUser(plant, msg.user)?.fixedAt ?? n.at
        const at = Math.max(fixed, n.at) + react()
        return { at, job: job('auth', fixed), reason: 'Role assigned to user', edit: false }
      }
      case 'BS/013': {
        const at = n.at + react()
        return { at, job: job('teco', at), reason: 'Booked onto the running order instead of the TECO one', edit: true }
      }
      case 'M7/053': {
        if (!('posting_date' in msg)) return undefined
        const opensAt = world.monthStart?.opensAt.get(n.plant.companyCode)
        // Month start: one bulk job per company code shortly after the period opened.
        if (opensAt !== undefined && n.at < opensAt && n.at >= world.monthStart!.closedFrom) {
          const at = opensAt + this.deps.minDelayMs / 3 + rng.uniform(0, 5 * MIN)
          return { at, job: job('period-open', opensAt), reason: 'Period opened (MMPV): bulk replay', edit: false }
        }
        const window = world.reopenWindows(n.plant.companyCode, periodOf(msg.posting_date)).find((w) => w.fixedAt > n.at)
        if (!window) return undefined
        // Inside the reopening window, or the replay fails again.
        const at = Math.max(window.from, n.at) + Math.min(react(), (window.fixedAt - Math.max(window.from, n.at)) * 0.8)
        return { at, job: job('period', window.from), reason: 'Period reopened for late postings', edit: false, until: window.fixedAt }
      }
      default: {
        const at = n.at + react()
        return { at, job: job(n.error.code, at), reason: 'Cause fixed', edit: false }
      }
    }
  }

  private replay(n: DeadLetterNotice, t: number, rng: Rng, plan: { job: string; reason: string; edit: boolean }): void {
    const headers: NonNullable<OutgoingRecord['headers']> = {}
    for (const [name, value] of Object.entries(n.record.headers ?? {})) {
      if (DLQ_CONTEXT_PREFIXES.some((p) => name.startsWith(p)) || name.startsWith('x-replay')) continue
      headers[name] = value
    }
    let value = n.record.value
    let reason = plan.reason
    if (value !== null) {
      const msg = JSON.parse(value.toString()) as { work_order?: string; line?: string }
      // Orders move on while a dead letter waits: one that is TECO by now gets the line's running order.
      const teco = msg.work_order !== undefined && this.deps.world.isTeco(msg.work_order, t)
      if (plan.edit || teco) {
        const order = this.deps.engine.currentOrder(n.plant.code, msg.line)
        if (order && order !== msg.work_order) {
          msg.work_order = order
          value = JSON.stringify(msg)
          headers['x-replay-edited'] = 'true'
          if (!plan.edit) reason = `${reason}; order TECO meanwhile, booked onto ${order}`
        }
      }
    }
    Object.assign(headers, {
      'x-replay-id': uuidv7(t, rng),
      'x-replay-job-id': plan.job,
      'x-replay-count': '1',
      'x-replayed-by': `sim-operator:${rng.pick(NAMES)}@${n.plant.code}`,
      'x-replayed-at': iso(t),
      'x-replay-source': `${n.dlq.topic}/${n.dlq.partition}/${n.dlq.offset}`,
      'x-replay-reason': reason,
    })
    this.stats.sent++
    this.deps.out.add(n.topics.source, { key: n.record.key, value, headers, timestamp: t })
  }
}
