import type { HopError } from '../../server/domain/hop-event'
import { localTime, periodMinus, periodOf } from '../local-time'
import type { PlantModel } from '../model'
import type { Rng } from '../prng'
import { dependencyKey, type World } from '../world'
import {
  accountDeterminationError,
  authorizationError,
  deficitError,
  lockError,
  masterDataError,
  partialError,
  periodError,
  tecoError,
  technicalError,
} from './sap-errors'

/**
 * The simulated ERP behind the hub: checks a posting the way SAP does (authorization, period,
 * master data, account determination, order status, stock), books a material document, and keeps
 * posted documents by idempotency key — the store that makes replays and unknown outcomes
 * (HTTP 504) safe: a key already posted never gets a second document.
 */

export interface Consumption {
  material: string
  batch: string
  sloc: string
  quantity: number
  uom: string
}

export interface PostingRequest {
  idempotencyKey: string
  plant: PlantModel
  user: string
  postingDate: string
  /** For authorization texts: 261 backflush / goods issue, 311 transfer, 601 delivery. */
  movementType: string
  workOrder?: string
  /** Every material the posting touches (master data and account determination checks). */
  materials: string[]
  /** Stock the posting takes (deficit checks). */
  consumptions: Consumption[]
  /** A confirmation with backflush: a component deficit goes to COGI instead of failing the whole posting. */
  backflush: boolean
  /** Replays meet no transient fault: whatever locked the order then is long gone. */
  replay: boolean
}

export interface PostedDocument {
  document: string
  postedAt: number
}

export type ErpResponse =
  | { kind: 'posted'; document: string; latencyMs: number }
  | { kind: 'duplicate'; document: string; latencyMs: number }
  | { kind: 'partial'; document: string; failed: Consumption & { key: string }; error: HopError; latencyMs: number }
  | { kind: 'failed'; error: HopError; latencyMs: number }

/** Above this an HTTP client gives up with 504 (flow I), so successful calls stay below it. */
const TIMEOUT_MS = 30_000
/**
 * How long ERP remembers an idempotency key (an ERP-side dedup window): dead letters are replayed
 * within hours, and a week-long backfill must not keep millions of keys in memory.
 */
export const IDEMPOTENCY_RETENTION_MS = 48 * 3_600_000

export class SimErp {
  private readonly documents = new Map<string, PostedDocument>()
  private nextNumber = 0
  private booked = 0

  constructor(
    private readonly world: World,
    private readonly latency: { medianMs: number; p95Ms: number },
    /** First material document number: differs per run start so restarts never reuse numbers. */
    firstDocument: number,
  ) {
    this.nextNumber = firstDocument
  }

  /** Documents booked in this run. */
  get documentCount(): number {
    return this.booked
  }

  /** The idempotency check the hub makes before replaying or retrying an unknown outcome. */
  lookup(idempotencyKey: string): PostedDocument | undefined {
    return this.documents.get(idempotencyKey)
  }

  /** A document the previous run booked for a posting still in flight (state.ts): never a second one for that key. */
  remember(idempotencyKey: string, posted: PostedDocument): void {
    this.documents.set(idempotencyKey, { document: posted.document, postedAt: posted.postedAt })
  }

  /** A document outside the idempotent posting path (e.g. a stock block for a quality hold). */
  allocateDocument(): string {
    return String(this.nextNumber++)
  }

  post(req: PostingRequest, t: number, attempt: number, rng: Rng): ErpResponse {
    const latencyMs = Math.min(TIMEOUT_MS - 1_000, this.latency.medianMs === 0 ? 0 : rng.lognormal(this.latency.medianMs, this.latency.p95Ms))
    const existing = this.documents.get(req.idempotencyKey)
    if (existing) return { kind: 'duplicate', document: existing.document, latencyMs }

    const fault = req.replay ? undefined : this.world.transient.get(req.idempotencyKey)
    if (fault && attempt <= fault.failAttempts) {
      if (attempt >= fault.failAttempts) this.world.transient.delete(req.idempotencyKey)
      if (fault.kind === 'lock') return { kind: 'failed', error: lockError(req.workOrder, req.materials[0] ?? '', fault.user ?? 'UNKNOWN'), latencyMs }
      if (fault.kind === 'http_504') {
        // ERP did the work; only the answer was lost on the way back.
        if (fault.committed && attempt === 1) this.book(req, t + latencyMs)
        return { kind: 'failed', error: technicalError('http_504'), latencyMs: TIMEOUT_MS }
      }
      return { kind: 'failed', error: technicalError(fault.kind), latencyMs: rng.uniform(40, 400) }
    }

    const { plant } = req
    if (!this.world.authorized(plant.code, req.user, t))
      return { kind: 'failed', error: authorizationError(req.movementType, plant.code, req.user), latencyMs }

    const current = periodOf(localTime(t, plant.timeZone).date)
    const open = this.world.openPeriods(plant.companyCode, current, periodMinus(current, 1), periodMinus(current, 2), t)
    const period = periodOf(req.postingDate)
    if (!open.includes(period) && !this.world.periodReopened(plant.companyCode, period, t))
      return { kind: 'failed', error: periodError(open, plant.companyCode), latencyMs }

    for (const m of req.materials)
      if (!this.world.materialMaintained(plant.code, m, t)) return { kind: 'failed', error: masterDataError(m, plant.code), latencyMs }
    for (const m of req.materials) {
      if (this.world.accountDetermined(m, t)) continue
      return { kind: 'failed', error: accountDeterminationError(this.world.valuationGap(m)?.valuationClass ?? '7920'), latencyMs }
    }
    if (req.workOrder && this.world.isTeco(req.workOrder, t)) return { kind: 'failed', error: tecoError(req.workOrder), latencyMs }

    for (const c of req.consumptions) {
      const key = dependencyKey(c.material, plant.code, c.sloc, c.batch)
      if (this.world.stockAvailable(key, t)) continue
      const deficit = { ...c, key, plant: plant.code }
      if (req.backflush && this.world.deficits.get(key)?.mode === 'cogi') {
        const document = this.book(req, t + latencyMs)
        return { kind: 'partial', document, failed: { ...c, key }, error: partialError(deficit), latencyMs }
      }
      return { kind: 'failed', error: deficitError(deficit), latencyMs }
    }
    return { kind: 'posted', document: this.book(req, t + latencyMs), latencyMs }
  }

  private book(req: PostingRequest, at: number): string {
    const document = String(this.nextNumber++)
    this.documents.set(req.idempotencyKey, { document, postedAt: at })
    this.booked++
    // Maps iterate in insertion order, which is (nearly) posting order: expire from the front.
    if (this.booked % 1_000 === 0) {
      for (const [key, doc] of this.documents) {
        if (doc.postedAt >= at - IDEMPOTENCY_RETENTION_MS) break
        this.documents.delete(key)
      }
    }
    return document
  }
}
