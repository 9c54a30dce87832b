import type { Forced } from './faults'
import type { TxnKind } from './plant'

/**
 * The first minute of a demo: one transaction of every flow (A–I) and every failure cause within
 * ~12 s of the start, spread over the plants so each dead-letter convention gets records early.
 * Rare causes (authorization 2%, period 3%) would otherwise take many minutes to show up at a
 * modest rate. Fixes come sooner than in the random traffic (10–15 min), so someone trying a
 * replay sees it fail before the fix and succeed after it within one sitting.
 *
 * `plant` is an index into the simulated plants (mod their count).
 */

export interface ShowcaseItem {
  afterMs: number
  plant: number
  kind: TxnKind | 'release'
  forced?: Forced
  /** What it demonstrates (logged at start). */
  label: string
}

const FIX = 12 * 60_000

export const SHOWCASE: readonly ShowcaseItem[] = [
  // Permanent failures first, one per plant, so every DLQ convention has a record within seconds.
  { afterMs: 1_000, plant: 0, kind: 'confirmation', forced: { cause: 'master_data', fixAfterMs: FIX }, label: 'E master data missing (M3/305)' },
  { afterMs: 1_500, plant: 1, kind: 'confirmation', forced: { cause: 'teco' }, label: 'F order TECO (BS/013), needs an edited replay' },
  { afterMs: 2_000, plant: 2, kind: 'confirmation', forced: { cause: 'period', fixAfterMs: 10 * 60_000 }, label: 'D period closed (M7/053)' },
  { afterMs: 2_500, plant: 3, kind: 'goods_movement', forced: { cause: 'authorization', fixAfterMs: FIX }, label: 'authorization (M7/120)' },
  { afterMs: 3_000, plant: 4, kind: 'confirmation', forced: { cause: 'account_determination', fixAfterMs: 15 * 60_000 }, label: 'account determination (M8/147)' },
  { afterMs: 3_500, plant: 0, kind: 'confirmation', label: 'A happy path' },
  { afterMs: 4_000, plant: 1, kind: 'confirmation', forced: { cause: 'deficit', resolve: true }, label: 'C stock deficit (M7/021), resolved by a transfer' },
  { afterMs: 4_500, plant: 2, kind: 'confirmation', forced: { cause: 'lock', failAttempts: 2 }, label: 'B lock, retried 30 s and 2 min, attempt 3 succeeds' },
  { afterMs: 5_000, plant: 3, kind: 'confirmation', forced: { cause: 'technical', technical: 'http_504', committed: true }, label: 'I HTTP 504, reconciled by idempotency key' },
  { afterMs: 5_500, plant: 4, kind: 'confirmation', forced: { cause: 'partial', fixAfterMs: FIX }, label: 'G partial: confirmation posted, backflush in COGI' },
  { afterMs: 6_000, plant: 0, kind: 'quality_hold', forced: { leak: true, fixAfterMs: 8 * 60_000 }, label: 'H quality hold fan-out, with hold leakage, released after 8 min' },
  { afterMs: 6_500, plant: 1, kind: 'inventory_transfer', label: 'inventory transfer' },
  { afterMs: 7_000, plant: 2, kind: 'shipment', label: 'shipment goods issue' },
  { afterMs: 7_500, plant: 3, kind: 'goods_movement', label: 'goods movement' },
  { afterMs: 8_000, plant: 4, kind: 'confirmation', forced: { cause: 'technical', technical: 'http_503', failAttempts: 1 }, label: 'HTTP 503, auto-recovered' },
  { afterMs: 8_500, plant: 0, kind: 'goods_movement', forced: { cause: 'deficit', resolve: false }, label: 'stock deficit never resolved: dead-lettered after 10 min' },
  { afterMs: 9_000, plant: 1, kind: 'confirmation', forced: { cause: 'lock', failAttempts: 5 }, label: 'lock that outlasts the retries: dead-lettered transient' },
  { afterMs: 9_500, plant: 2, kind: 'release', label: 'work order release to MES' },
  { afterMs: 10_000, plant: 3, kind: 'confirmation', forced: { cause: 'technical', technical: 'http_429' }, label: 'HTTP 429, auto-recovered' },
  { afterMs: 10_500, plant: 4, kind: 'shipment', forced: { cause: 'deficit', resolve: true }, label: 'shipment waiting on stock' },
  { afterMs: 11_000, plant: 0, kind: 'confirmation', forced: { cause: 'technical', technical: 'http_504', committed: false }, label: 'HTTP 504 that did not post: checked, then re-posted' },
  { afterMs: 11_500, plant: 1, kind: 'confirmation', forced: { cause: 'master_data', fixAfterMs: FIX }, label: 'E again, on the Connect plant' },
  { afterMs: 12_000, plant: 2, kind: 'confirmation', forced: { cause: 'teco' }, label: 'F again, on the hub-convention plant' },
]
