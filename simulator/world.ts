/**
 * The simulated ERP's reality: the faults that make postings fail and the times they get fixed.
 *
 * The plant side (engine) plants a fault when it decides a transaction will fail — a material not
 * yet extended to the plant, an order already TECO, a user without a role — and the simulated ERP
 * (hub/erp.ts) only ever asks time-indexed questions ("is material X maintained in plant Y at t?").
 * So the ERP never needs to know which flow it is part of, a replay before the fix fails again and
 * one after it succeeds, and the answers do not depend on the order in which records arrive.
 *
 * Faults are scoped to objects the engine uses only for the failing transaction (a new component
 * number, a new scanner user, a specific batch), which keeps the failure mix of EVENT-MODEL.md
 * exact instead of letting one missing material fail every confirmation of a line.
 */

export type TransientKind = 'lock' | 'http_429' | 'http_503' | 'http_504' | 'csrf'

export interface TransientFault {
  kind: TransientKind
  /** Attempts 1..failAttempts fail; more than the hub's maximum means the hub gives up. */
  failAttempts: number
  /** Who holds the lock (locks only). */
  user?: string
  /** HTTP 504 only: whether ERP posted although the caller timed out (flow I). */
  committed?: boolean
}

export interface Fix {
  from: number
  fixedAt: number
}

export interface Deficit {
  key: string
  material: string
  plant: string
  sloc: string
  batch: string
  quantity: number
  uom: string
  from: number
  /** block: the whole posting fails (flow C); cogi: the confirmation posts, the backflush does not (flow G). */
  mode: 'block' | 'cogi'
  /** Set when a matching transfer posts in ERP. */
  resolvedAt?: number
  /** A goods receipt nobody simulates: stock arrives at this time anyway. */
  autoResolveAt: number
}

export interface MonthStart {
  /** The period change happens here (the live start; history before it is a normal month). */
  closedFrom: number
  /** Company code → when the new period opens (MMPV run). */
  opensAt: Map<string, number>
}

/** A month start at `closedFrom`: each company code's new period opens `afterMinutes` later, 5 min apart. */
export function monthStartAt(closedFrom: number, companyCodes: readonly string[], afterMinutes: number): MonthStart {
  return { closedFrom, opensAt: new Map([...new Set(companyCodes)].map((cc, i) => [cc, closedFrom + (afterMinutes + 5 * i) * 60_000])) }
}

const key = (...parts: string[]) => parts.join('|')

export function dependencyKey(material: string, plant: string, sloc: string, batch: string): string {
  return `mat:${material}|plant:${plant}|sloc:${sloc}|batch:${batch}`
}

export class World {
  /** By idempotency key: only the first processing of a transaction (replays find the lock long gone). */
  readonly transient = new Map<string, TransientFault>()
  readonly deficits = new Map<string, Deficit>()
  private readonly missingMaterials = new Map<string, Fix>()
  private readonly unauthorizedUsers = new Map<string, Fix>()
  private readonly valuationGaps = new Map<string, Fix & { valuationClass: string }>()
  private readonly tecoAt = new Map<string, number>()
  private readonly reopened = new Map<string, Fix[]>()

  constructor(readonly monthStart?: MonthStart) {}

  // --- planted by the engine ---------------------------------------------------------------------

  addMissingMaterial(plant: string, material: string, fix: Fix): void {
    this.missingMaterials.set(key(plant, material), fix)
  }

  addUnauthorizedUser(plant: string, user: string, fix: Fix): void {
    this.unauthorizedUsers.set(key(plant, user), fix)
  }

  addValuationGap(material: string, valuationClass: string, fix: Fix): void {
    this.valuationGaps.set(material, { ...fix, valuationClass })
  }

  setTeco(order: string, at: number): void {
    this.tecoAt.set(order, at)
  }

  /** A controller opens a closed period for catch-up postings during `window`. */
  reopenPeriod(companyCode: string, period: string, window: Fix): void {
    const list = this.reopened.get(key(companyCode, period)) ?? []
    list.push(window)
    this.reopened.set(key(companyCode, period), list)
  }

  addDeficit(deficit: Deficit): void {
    this.deficits.set(deficit.key, deficit)
  }

  // --- asked by the simulated ERP (and by the simulated operators, who know when things get fixed) -

  missingMaterial(plant: string, material: string): Fix | undefined {
    return this.missingMaterials.get(key(plant, material))
  }

  materialMaintained(plant: string, material: string, t: number): boolean {
    return !active(this.missingMaterial(plant, material), t)
  }

  unauthorizedUser(plant: string, user: string): Fix | undefined {
    return this.unauthorizedUsers.get(key(plant, user))
  }

  authorized(plant: string, user: string, t: number): boolean {
    return !active(this.unauthorizedUser(plant, user), t)
  }

  valuationGap(material: string): (Fix & { valuationClass: string }) | undefined {
    return this.valuationGaps.get(material)
  }

  accountDetermined(material: string, t: number): boolean {
    return !active(this.valuationGap(material), t)
  }

  orderTecoAt(order: string): number | undefined {
    return this.tecoAt.get(order)
  }

  isTeco(order: string, t: number): boolean {
    const at = this.tecoAt.get(order)
    return at !== undefined && t >= at
  }

  reopenWindows(companyCode: string, period: string): readonly Fix[] {
    return this.reopened.get(key(companyCode, period)) ?? []
  }

  /**
   * MM periods open for posting at t: the current and the previous one (SAP's MMPV), except during
   * a month start before the period was opened, when it still is the two before.
   */
  openPeriods(companyCode: string, current: string, previous: string, beforePrevious: string, t: number): [string, string] {
    const opensAt = this.monthStart?.opensAt.get(companyCode)
    const closed = opensAt !== undefined && t >= this.monthStart!.closedFrom && t < opensAt
    return closed ? [previous, beforePrevious] : [current, previous]
  }

  periodReopened(companyCode: string, period: string, t: number): boolean {
    return this.reopenWindows(companyCode, period).some((w) => t >= w.from && t < w.fixedAt)
  }

  stockAvailable(dependency: string, t: number): boolean {
    const d = this.deficits.get(dependency)
    if (!d || t < d.from) return true
    return t >= Math.min(d.resolvedAt ?? Infinity, d.autoResolveAt)
  }

  /** A transfer for this key posted in ERP at t: the stock is there from now on. */
  resolveDeficit(dependency: string, t: number): boolean {
    const d = this.deficits.get(dependency)
    if (!d || d.resolvedAt !== undefined) return false
    d.resolvedAt = t
    return true
  }
}

function active(fix: Fix | undefined, t: number): boolean {
  return fix !== undefined && t >= fix.from && t < fix.fixedAt
}
