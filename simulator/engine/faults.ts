import type { PlantModel } from '../model'
import { lastDayOf, localTime, periodMinus, periodOf } from '../local-time'
import type { Rng } from '../prng'
import type { FailureCause } from '../scenario'
import { dependencyKey, type Fix, type TransientFault, type TransientKind } from '../world'
import type { EngineContext } from './context'

/**
 * Planting the fault a transaction is meant to meet, in the ERP's reality (world.ts). Each fault
 * sits on an object only failing transactions use — a fresh batch, a new component, a new scanner
 * user — so the failure mix stays what was drawn; material, user and valuation faults are reused
 * while unfixed (70%), so dead letters come in groups that one fix resolves.
 */

/** A showcase (or test) transaction forces its outcome instead of drawing it. */
export interface Forced {
  cause?: FailureCause | 'partial'
  technical?: TransientKind
  failAttempts?: number
  committed?: boolean
  /** Deficit: does the resolving transfer come? */
  resolve?: boolean
  /** Quality hold: is the held lot consumed before its release? */
  leak?: boolean
  /** When the planted fault gets fixed (master data, authorization, account determination, period reopening, COGI stock), or a hold is released. */
  fixAfterMs?: number
}

/** A stock a posting takes: backflushed component or moved batch. */
export interface Component {
  material: string
  batch: string
  quantity: number
  uom: string
  storage_location: string
}

export interface TransferPlan {
  material: string
  batch: string
  quantity: number
  uom: string
  to: string
}

const PLANNERS = ['KRAUSE_M', 'DUBOIS_A', 'MILLER_J', 'GARCIA_L', 'SHARMA_R', 'WEBER_K', 'NGUYEN_T']
const MIN = 60_000

export class FaultPlanner {
  private missing?: { material: string; fix: Fix }
  private unauthorized?: { user: string; fix: Fix }
  private readonly valuation = new Map<'ROH' | 'FERT', { material: string; fix: Fix }>()

  constructor(
    private readonly ctx: EngineContext,
    private readonly plant: PlantModel,
    /** The plant's stream: faults are drawn in the order its transactions are. */
    private readonly rng: Rng,
    /** Schedules the transfer that will resolve a deficit (flow C). */
    private readonly onResolvingTransfer: (at: number, plan: TransferPlan) => void,
  ) {}

  /** A batch no other transaction uses: a deficit on it fails only the transaction meant to fail. */
  freshBatch(): string {
    return `01${this.rng.digits(8)}`
  }

  fixWindow(t: number, forced: Forced | undefined, min: number, max: number): Fix {
    return { from: t, fixedAt: t + (forced?.fixAfterMs ?? this.rng.uniform(min, max) * MIN) }
  }

  /** A component from an engineering change, not yet extended to this plant; reused while unfixed, so failures come in groups. */
  missingMaterial(t: number, forced?: Forced): string {
    const cur = this.missing
    if (!forced && cur && cur.fix.fixedAt > t + 5 * MIN && this.rng.chance(0.7)) return cur.material
    const material = `RM9${this.rng.digits(4)}`
    const fix = this.fixWindow(t, forced, 20, 60)
    this.ctx.world.addMissingMaterial(this.plant.code, material, fix)
    this.missing = { material, fix }
    return material
  }

  /** A new scanner user whose role assignment is still pending. */
  unauthorizedUser(t: number, forced?: Forced): string {
    const cur = this.unauthorized
    if (!forced && cur && cur.fix.fixedAt > t + 5 * MIN && this.rng.chance(0.7)) return cur.user
    const user = `SCAN${this.plant.code}_${this.rng.int(10, 99)}`.slice(0, 12)
    const fix = this.fixWindow(t, forced, 20, 60)
    this.ctx.world.addUnauthorizedUser(this.plant.code, user, fix)
    this.unauthorized = { user, fix }
    return user
  }

  /** A new material whose valuation class has no G/L account yet (M8/147). */
  valuationGapMaterial(kind: 'ROH' | 'FERT', t: number, forced?: Forced): string {
    const cur = this.valuation.get(kind)
    if (!forced && cur && cur.fix.fixedAt > t + 5 * MIN && this.rng.chance(0.7)) return cur.material
    const material = `${kind === 'ROH' ? 'RM' : 'FG'}8${this.rng.digits(4)}`
    const fix = this.fixWindow(t, forced, 30, 90)
    this.ctx.world.addValuationGap(material, kind === 'ROH' ? '3050' : '7950', fix)
    this.valuation.set(kind, { material, fix })
    return material
  }

  /** A posting dated two periods back (a late report); the controller reopens that period for a while later. */
  backdatedPostingDate(t: number, forced?: Forced): string {
    const { world } = this.ctx
    const cc = this.plant.companyCode
    const current = periodOf(localTime(t, this.plant.timeZone).date)
    let period = periodMinus(current, 2)
    for (let n = 3; n < 6 && world.periodReopened(cc, period, t + MIN); n++) period = periodMinus(current, n)
    if (!world.reopenWindows(cc, period).some((w) => w.from > t)) {
      const from = t + (forced?.fixAfterMs ?? this.rng.uniform(30, 90) * MIN)
      world.reopenPeriod(cc, period, { from, fixedAt: from + 2 * 60 * MIN })
    }
    return lastDayOf(period)
  }

  transientFault(cause: 'lock' | 'technical', forced?: Forced): TransientFault {
    if (cause === 'lock') {
      const stuck = this.rng.chance(this.ctx.profile.stuckLockShare)
      return { kind: 'lock', failAttempts: forced?.failAttempts ?? (stuck ? 5 : this.rng.chance(0.3) ? 1 : 2), user: this.rng.pick(PLANNERS) }
    }
    const kind =
      forced?.technical ??
      this.rng.weighted<TransientKind>([
        ['http_504', 35],
        ['http_503', 35],
        ['http_429', 20],
        ['csrf', 10],
      ])
    const failAttempts = forced?.failAttempts ?? (kind === 'http_503' ? this.rng.weighted([[1, 60], [2, 35], [5, 5]] as const) : 1)
    return { kind, failAttempts, committed: kind === 'http_504' ? (forced?.committed ?? this.rng.chance(0.7)) : undefined }
  }

  /**
   * Plants a deficit on a fresh batch the posting consumes. `block` (flow C) is resolved by a
   * transfer that usually comes; `cogi` (flow G) by a goods receipt some time later.
   */
  plantDeficit(t: number, c: Component, mode: 'block' | 'cogi', forced?: Forced): void {
    c.batch = this.freshBatch()
    const key = dependencyKey(c.material, this.plant.code, c.storage_location, c.batch)
    const autoResolveAt = t + (mode === 'cogi' ? (forced?.fixAfterMs ?? this.rng.uniform(15, 60) * MIN) : this.rng.uniform(60, 180) * MIN)
    this.ctx.world.addDeficit({ key, material: c.material, plant: this.plant.code, sloc: c.storage_location, batch: c.batch, quantity: c.quantity, uom: c.uom, from: t, mode, autoResolveAt })
    if (mode === 'block' && (forced?.resolve ?? !this.rng.chance(this.ctx.profile.unresolvedDeficitShare))) {
      const at = t + this.rng.uniform(20, 240) * 1000
      this.onResolvingTransfer(at, { material: c.material, batch: c.batch, quantity: c.quantity, uom: c.uom, to: c.storage_location })
    }
  }
}
