import { describe, expect, it } from 'vitest'
import { deadLetterRow } from '../ingest/dlq/row'
import type { BusRecord, Headers } from '../server/bus/port'
import type { HopError } from '../server/domain/hop-event'
import { guidanceFor } from '../server/domain/error-guidance'
import { deadLetterRecord, type DeadLetterReason } from './hub/dlq'
import * as sap from './hub/sap-errors'
import type { Convention } from './model'
import { plantTopics } from './topics'

/**
 * Issue 19 item 1 over the simulator's own errors (hub/sap-errors.ts), written to the DLQ in each
 * convention the demo plants use (Spring, Connect, the hub's headers) exactly as the hub writes
 * them, indexed by the real indexer row builder: the same cause in the same flow is one group
 * whatever the plant, convention, material, order, user or quantity; different codes are different
 * groups; and every code the simulator emits has catalogued guidance, not the category fallback.
 */

const CONVENTIONS: Convention[] = ['spring', 'connect', 'hub']
const PLANTS = ['1000', '1100', '2000', '2100', '3000']

/** How the hub dead-letters each category (hub/dead-letter.ts). */
function reasonOf(e: HopError): DeadLetterReason {
  if (e.code === 'VAL/001') return 'validation'
  if (e.category === 'transient') return 'retries_exhausted'
  if (e.category === 'dependency') return 'dependency_timeout'
  if (e.category === 'partial') return 'partial'
  return 'permanent'
}

function indexed(error: HopError, plant: string, convention: Convention, flow: string, i: number) {
  const topics = plantTopics('lt', { code: plant, convention } as Parameters<typeof plantTopics>[1])
  const body = { correlation_id: `cid-${plant}-${i}`, plant, flow, work_order: String(155_000_000_000 + i * 7919), material: `RM${90_000 + i}` }
  const original: BusRecord = { topic: topics.source, partition: i % 3, offset: String(1000 + i), key: Buffer.from(body.correlation_id), value: Buffer.from(JSON.stringify(body)), headers: {}, timestamp: 1_764_590_400_000 + i }
  const out = deadLetterRecord({ topics, original, groupId: 'lt.sim.hub', error, reason: reasonOf(error), attempts: 3, firstFailedAt: original.timestamp, deadLetteredAt: original.timestamp + 60_000, flow, hubInstance: 'hub-1' })
  // The hub writes Buffers only (hub/dlq.ts); the bus hands the indexer the same bytes.
  return deadLetterRow({ topic: topics.dlq, partition: 0, offset: String(i), key: out.key as Buffer, value: out.value as Buffer, headers: out.headers as Headers, timestamp: out.timestamp ?? 0 })
}

/** Each simulator error, made with per-instance values that differ by `i` (material, plant, order, user, quantity). */
const CAUSES: Record<string, (plant: string, i: number) => HopError> = {
  lockOrder: (_p, i) => sap.lockError(String(155_000_000_000 + i), `RM${i}`, `MES_RFC${i}`),
  lockMaterial: (_p, i) => sap.lockError(undefined, `RM${96_000 + i}`, `USER${i}`),
  http429: () => sap.technicalError('http_429'),
  http503: () => sap.technicalError('http_503'),
  http504: () => sap.technicalError('http_504'),
  csrf: () => sap.technicalError('csrf'),
  deficit: (plant, i) => sap.deficitError({ material: `A${700 + i}`, plant, sloc: `100${i % 9}`, batch: `B${i}X${i}`, quantity: 12.5 * (i + 1), uom: 'KG', key: `mat:A${700 + i}|plant:${plant}|sloc:1001` }),
  partial: (plant, i) => sap.partialError({ material: `RM-${i}-200`, plant, sloc: '0001', batch: `CH${i}`, quantity: i + 3, uom: 'PC', key: `mat:RM-${i}|plant:${plant}|sloc:0001` }),
  period: (plant, i) => sap.periodError([`2026/${10 + (i % 3)}`, `2026/0${1 + (i % 9)}`], plant),
  teco: (_p, i) => sap.tecoError(String(155_031_306_975 + i)),
  masterData: (plant, i) => sap.masterDataError(`RM${96_965 + i}`, plant),
  authorization: (plant, i) => sap.authorizationError(i % 2 ? '261' : '101', plant, `RFC_USER${i}`),
  account: (_p, i) => sap.accountDeterminationError(String(7900 + i)),
  validation: (_p, i) => sap.validationError([`quantity ${i} exceeds the order quantity ${i * 10}`, `lot L${i} unknown`]),
}

describe("fingerprint over the simulator's errors", () => {
  for (const [name, make] of Object.entries(CAUSES)) {
    it(`${name}: one group across plants, conventions and instances`, () => {
      const rows = PLANTS.flatMap((plant, p) => CONVENTIONS.map((c, k) => indexed(make(plant, p * 10 + k), plant, c, 'production_confirmation', p * 10 + k)))
      const codes = new Set(rows.map((r) => r.errorCode))
      expect(codes.size, `one code per cause, got ${[...codes].join(', ')}`).toBe(1)
      const groups = new Set(rows.map((r) => r.fingerprint))
      expect(groups.size, `${name} split into ${groups.size} groups: ${rows.map((r) => `${r.convention}:${r.errorCode}:${r.errorMessage}`).join(' | ')}`).toBe(1)
    })
  }

  it('different codes are different groups; the same code in another flow is another group', () => {
    const byCode = new Map<string, Set<string>>()
    for (const [name, make] of Object.entries(CAUSES)) {
      const row = indexed(make('1000', 1), '1000', 'hub', 'production_confirmation', 1)
      const set = byCode.get(row.fingerprint) ?? new Set()
      set.add(name)
      byCode.set(row.fingerprint, set)
    }
    // M7/021 is the code of both the stock deficit and the COGI partial failure: one code, one group per flow.
    const merged = [...byCode.values()].filter((s) => s.size > 1).map((s) => [...s].sort().join('+'))
    expect(merged).toEqual(['deficit+partial'])
    const a = indexed(sap.periodError(['2026/11', '2026/10'], '1000'), '1000', 'spring', 'production_confirmation', 1)
    const b = indexed(sap.periodError(['2026/11', '2026/10'], '1000'), '1000', 'spring', 'goods_movement', 1)
    expect(a.fingerprint).not.toBe(b.fingerprint)
  })

  it('every code the simulator emits has its own guidance, in every convention', () => {
    for (const [name, make] of Object.entries(CAUSES)) {
      for (const c of CONVENTIONS) {
        const row = indexed(make('2000', 3), '2000', c, 'production_confirmation', 3)
        const g = guidanceFor({ code: row.errorCode, category: row.errorCategory, text: row.errorMessage, errorClass: row.errorClass })
        expect(g.matchedBy, `${name} via ${c} (${row.errorCode}: ${row.errorMessage}) falls back to the category`).not.toBe('category')
        expect(g.meaning.length).toBeGreaterThan(20)
        expect(g.how.length).toBeGreaterThan(20)
      }
    }
    const hop = (e: HopError) => guidanceFor({ code: e.code, category: e.category, text: e.text })
    expect(hop(sap.periodError(['2026/11', '2026/10'], '1000'))).toMatchObject({ key: 'M7/053', replayBeforeFixCanSucceed: false })
    expect(hop(sap.periodError(['2026/11', '2026/10'], '1000')).how).toMatch(/MMPV.*OB52/)
    expect(hop(sap.tecoError('1')).how).toContain('CO02')
    expect(hop(sap.technicalError('csrf'))).toMatchObject({ key: 'csrf', replayBeforeFixCanSucceed: true })
    expect(hop(sap.technicalError('http_504'))).toMatchObject({ key: 'HTTP_504', replayBeforeFixCanSucceed: true })
    expect(hop(sap.partialError({ material: 'X1', plant: '1000', sloc: '1', batch: 'B', quantity: 1, uom: 'PC', key: 'k' })).key).toBe('COGI')
    expect(hop(sap.deficitError({ material: 'X1', plant: '1000', sloc: '1', batch: 'B', quantity: 1, uom: 'PC', key: 'k' })).key).toBe('M7/021')
  })
})
