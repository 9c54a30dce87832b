import type { ClickHouse } from '../client'
import { chQuery, type Actor } from '../exec'
import { fromChDateTime } from '../../domain/ch-time'
import { quantileExact } from '../../domain/quantile'
import { NO_JIT } from './small-read'
import { assertWindow } from './window'

/**
 * Quality holds (KPIS.md, flow-specific): propagation time and leakage, read from the hold events
 * themselves (few per plant; every other dashboard number comes from queries/hour-stats/).
 */

const DAY_MS = 86_400_000

export interface HoldStats {
  plant: string
  holds: number
  /** Holds applied in MES, WMS and ERP. */
  propagated: number
  /** p95 / max over propagated holds of max(applied) − placed, ms. */
  propagation_p95_ms: number | null
  propagation_max_ms: number | null
  /** p95 per system of applied − placed, ms (null when that system applied none). */
  mes_p95_ms: number | null
  wms_p95_ms: number | null
  erp_p95_ms: number | null
  /** Consumption or shipment transactions of a held lot between hold placed and released. */
  leaks: number
}

/**
 * Quality holds with origin in [from, to): one row per hold transaction (times are min/max,
 * duplicate-safe). The hold transactions come from txn_summary's sort key (plant, flow, origin),
 * their events from hop_events' (correlation_id): two index reads, no scan of the event log.
 */
const HOLDS_SQL = (db: string) => `SELECT plant, correlation_id, min(origin_time) AS origin, anyIf(lot, lot != '') AS held_lot,
    minIfOrNull(occurred_at, event_type = 'quality.hold_placed') AS placed,
    maxIfOrNull(occurred_at, event_type = 'quality.hold_released') AS released,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'mes') AS mes,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'wms') AS wms,
    minIfOrNull(occurred_at, event_type = 'quality.hold_applied' AND hop = 'erp') AS erp
  FROM ${db}.hop_events
  WHERE correlation_id IN (
      SELECT correlation_id FROM ${db}.txn_summary
      WHERE plant IN {plants:Array(String)} AND flow = 'quality_hold'
        AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')})
    AND plant IN {plants:Array(String)} AND flow = 'quality_hold'
    AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
  GROUP BY plant, correlation_id
  HAVING placed IS NOT NULL`

interface HoldRow {
  plant: string
  correlation_id: string
  origin: string
  held_lot: string
  placed: string
  released: string | null
  mes: string | null
  wms: string | null
  erp: string | null
}

const ms = (text: string | null) => (text === null ? null : fromChDateTime(text).getTime())

/**
 * Quality hold propagation time and leakage (KPIS.md, flow-specific) per plant for holds with
 * origin in [from, to) and, with `previousFrom`, in the previous period [previousFrom, from). One
 * query for the holds; a second for the consumptions of held lots, only when there are holds.
 */
export async function holdStats(
  ch: ClickHouse,
  q: { plants: string[]; from: Date; to: Date; previousFrom?: Date; actor?: Actor },
): Promise<{ current: HoldStats[]; previous: HoldStats[] | null }> {
  assertWindow(q.from, q.to)
  const start = q.previousFrom ?? q.from
  if (q.plants.length === 0) return { current: [], previous: q.previousFrom ? [] : null }
  const db = ch.database
  const { rows: holds } = await chQuery<HoldRow>(ch, {
    name: 'dashboard.holds',
    sql: HOLDS_SQL(db),
    params: { plants: q.plants, from: start, to: q.to },
    actor: q.actor,
    settings: NO_JIT,
  })
  // A leak is a consuming or shipping transaction of a held lot after the hold was placed and
  // before it was released, counted once per transaction whatever the re-sends. The lot's
  // transactions come from txn_keys (sorted by key), their events by correlation_id.
  const lots = [...new Set(holds.map((h) => h.held_lot).filter(Boolean))]
  const { rows: uses } = lots.length
    ? await chQuery<{ plant: string; correlation_id: string; lot: string; occurred_at: string }>(ch, {
        name: 'dashboard.holdLeaks',
        sql: `SELECT DISTINCT plant, correlation_id, lot, occurred_at FROM ${db}.hop_events
              WHERE correlation_id IN (
                  SELECT correlation_id FROM ${db}.txn_keys
                  WHERE key_type = 'lot' AND key_value IN {lots:Array(String)}
                    AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {leakTo:DateTime64(3, 'UTC')})
                AND plant IN {plants:Array(String)} AND event_type IN ('inventory.material_consumed', 'shipment.loaded') AND lot IN {lots:Array(String)}
                AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {leakTo:DateTime64(3, 'UTC')}`,
        params: { plants: q.plants, lots, from: start, leakTo: new Date(q.to.getTime() + DAY_MS) },
        actor: q.actor,
        settings: NO_JIT,
      })
    : { rows: [] }

  const statsOf = (list: HoldRow[]): HoldStats[] =>
    q.plants.flatMap((plant) => {
      const mine = list.filter((h) => h.plant === plant)
      if (mine.length === 0) return []
      const after = (h: HoldRow, t: string | null) => (t === null ? null : ms(t)! - ms(h.placed)!)
      const full = mine.filter((h) => h.mes !== null && h.wms !== null && h.erp !== null).map((h) => Math.max(after(h, h.mes)!, after(h, h.wms)!, after(h, h.erp)!))
      const per = (k: 'mes' | 'wms' | 'erp') => quantileExact(mine.flatMap((h) => (h[k] === null ? [] : [after(h, h[k])!])), 0.95)
      const leaking = new Set<string>()
      for (const h of mine)
        for (const u of uses)
          if (u.plant === plant && u.lot === h.held_lot && ms(u.occurred_at)! > ms(h.placed)! && (h.released === null || ms(u.occurred_at)! < ms(h.released)!))
            leaking.add(u.correlation_id)
      return [
        {
          plant,
          holds: mine.length,
          propagated: full.length,
          propagation_p95_ms: quantileExact(full, 0.95),
          propagation_max_ms: full.length ? Math.max(...full) : null,
          mes_p95_ms: per('mes'),
          wms_p95_ms: per('wms'),
          erp_p95_ms: per('erp'),
          leaks: leaking.size,
        },
      ]
    })
  const isCurrent = (h: HoldRow) => ms(h.origin)! >= q.from.getTime()
  return { current: statsOf(holds.filter(isCurrent)), previous: q.previousFrom ? statsOf(holds.filter((h) => !isCurrent(h))) : null }
}
