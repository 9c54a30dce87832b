import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { systemPrincipal } from '../../server/context/ctx'
import { makeCtx } from '../../server/services/testing/ctx'
import type { BusRecord } from '../../server/bus/port'
import { LocalTransport } from '../../server/bus/local'
import { loadConfig } from '../../server/config'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { logger } from '../../server/logger'
import { insertDeadLetter, rid, insertUniquePlant } from '../../server/services/testing/replays'
import { createDlqIndexer, type DlqIndexer } from './indexer'

/**
 * The indexer's database side on PGlite with the in-process bus: idempotency, plants it does not
 * know, the failed-again link after a replay, and the dead_lettered hop.
 */

const telemetry = rid('lt.telemetry')
let db: Db
let transport: LocalTransport
let indexer: DlqIndexer
let plant: string
let offset = 0

beforeAll(async () => {
  db = await freshPgliteDb()
  plant = await insertUniquePlant(db.prisma)
  transport = new LocalTransport()
  await transport.ensureTopics([{ name: telemetry, partitions: 1 }])
  const config = loadConfig({ DATA_DIR: '/tmp', TELEMETRY_TOPIC: telemetry })
  indexer = createDlqIndexer({ ctx: makeCtx({ db: db.prisma, config, logger }, systemPrincipal('dlq-indexer')), transport })
})
afterAll(async () => {
  await transport.close()
  await db.close()
})

function record(correlationId: string, opts: { plant?: string; idempotencyKey?: string } = {}): BusRecord {
  const body = { correlation_id: correlationId, idempotency_key: opts.idempotencyKey ?? `idem-${correlationId}`, plant: opts.plant ?? plant, flow: 'production_confirmation', origin_time: '2026-11-30T10:00:00.000Z', work_order: '1550001' }
  return {
    topic: 'lt.hub.X.dlq',
    partition: 0,
    offset: String(offset++),
    key: Buffer.from(correlationId),
    value: Buffer.from(JSON.stringify(body)),
    headers: { 'x-dlq-original-topic': Buffer.from('lt.hub.X.in'), 'x-dlq-error-code': Buffer.from('M3/305'), 'x-dlq-error-text': Buffer.from('Material RM1 not maintained'), 'x-dlq-error-category': Buffer.from('permanent') },
    timestamp: Date.now(),
  }
}

describe('DLQ indexer (PGlite, local bus)', () => {
  it('stores each record once; a plant it does not know is left empty instead of blocking the DLQ', async () => {
    const batch = { records: [record(rid('cid')), record(rid('cid'), { plant: 'NOPE' })] }
    expect(await indexer.index(batch)).toBe(2)
    expect(await indexer.index(batch)).toBe(0)
    const rows = await db.prisma.deadLetter.findMany({ where: { topic: 'lt.hub.X.dlq', offset: { in: batch.records.map((r) => BigInt(r.offset)) } }, orderBy: { offset: 'asc' } })
    expect(rows.map((r) => r.plantCode)).toEqual([plant, null])
    expect(rows[0]).toMatchObject({ convention: 'hub', errorCode: 'M3/305', errorCategory: 'permanent', sourceTopic: 'lt.hub.X.in', expiresAt: null })
  })

  it('a replayed posting that dead-letters again: the new row links the old one, which becomes failed_again (audited)', async () => {
    const cid = rid('cid')
    const old = await insertDeadLetter(db.prisma, { plant, correlationId: cid, idempotencyKey: `idem-${cid}`, status: 'replayed', failedAt: new Date(Date.now() - 60_000) })
    // A different posting of the same transaction (a partial posting's goods movement) is not "again".
    expect(await indexer.index({ records: [record(cid, { idempotencyKey: `idem-${cid}:cogi:RM1` })] })).toBe(1)
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: old.row.id } })).status).toBe('replayed')

    const again = record(cid)
    expect(await indexer.index({ records: [again] })).toBe(1)
    const fresh = await db.prisma.deadLetter.findFirstOrThrow({ where: { topic: again.topic, offset: BigInt(again.offset) } })
    expect(fresh.previousId).toBe(old.row.id)
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: old.row.id } })).status).toBe('failed_again')
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { targetId: old.row.id, action: 'dead_letter.fail_again' } })
    expect(audit).toMatchObject({ actorLabel: 'system:dlq-indexer', before: { status: 'replayed' }, after: { status: 'failed_again' } })
  })

  it('emits one dead_lettered hop per linked record, with an event id from the DLQ coordinates', async () => {
    const cid = rid('cid')
    const r = record(cid)
    await indexer.index({ records: [r] })
    const [end] = await transport.endOffsets(telemetry)
    const hops = (await transport.readPartition(telemetry, 0, '0', end!.end)).map((x) => JSON.parse(x.value!.toString()) as Record<string, unknown>)
    expect(hops.find((h) => h.correlation_id === cid)).toMatchObject({
      event_id: `dlq-lt.hub.X.dlq-0-${r.offset}`,
      event_type: 'dlq.record_indexed',
      hop: 'dlq',
      status: 'dead_lettered',
      plant,
      flow: 'production_confirmation',
      origin_time: '2026-11-30T10:00:00.000Z',
      error: { category: 'permanent', code: 'M3/305', text: 'M3/305 Material RM1 not maintained', retryable: false },
    })
  })
})
