import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lastHeaderText } from '../server/bus/headers'
import type { BusRecord, OutgoingRecord } from '../server/bus/port'
import type { Hop } from './testing/hops'
import { readTopics } from './testing/records'
import { MIN, startVirtualRun, stopVirtualRun, type VirtualRun } from './testing/virtual-run'

/**
 * Replays through the hub, produced the way the console's replay executor does (DLQ-REPLAY.md
 * "Produce"): original key and value (or an edited value), business headers kept, DLQ context
 * stripped, x-replay-* provenance added, to the original topic. Simulated operators are off, so
 * every replay here is the test's.
 */

const DLQ_CONTEXT = /^(kafka_dlt-|__connect\.errors\.|x-dlq-|x-replay-)/

describe('replays through the hub', () => {
  let run: VirtualRun
  let now: number

  beforeAll(async () => {
    run = await startVirtualRun({ seed: 5, plants: 3, lines: 2, rate: 0.5, operators: false }, 0)
    now = run.sim.liveStart + 2 * MIN
    await run.sim.runVirtual(now)
  })
  afterAll(() => stopVirtualRun(run))

  const advance = async (ms: number) => {
    now += ms
    await run.sim.runVirtual(now)
  }

  const deadLetters = () => readTopics(run.transport, run.sim.topics.map((t) => t.dlq))

  /** The original topic of a dead letter, whichever convention it follows. */
  const originalTopic = (r: BusRecord) =>
    lastHeaderText(r.headers, 'kafka_dlt-original-topic') ?? lastHeaderText(r.headers, '__connect.errors.topic') ?? lastHeaderText(r.headers, 'x-dlq-original-topic')!

  async function replay(from: BusRecord, topic: string, edit?: (value: Record<string, unknown>) => void): Promise<string> {
    const id = randomUUID()
    const headers: NonNullable<OutgoingRecord['headers']> = {}
    for (const [name, value] of Object.entries(from.headers)) if (!DLQ_CONTEXT.test(name)) headers[name] = value
    let value = from.value!
    if (edit) {
      const parsed = JSON.parse(value.toString()) as Record<string, unknown>
      edit(parsed)
      value = Buffer.from(JSON.stringify(parsed))
      headers['x-replay-edited'] = 'true'
    }
    Object.assign(headers, {
      'x-replay-id': id,
      'x-replay-job-id': `job-${id.slice(0, 8)}`,
      'x-replay-count': '1',
      'x-replayed-by': 'test@linetrace',
      'x-replayed-at': new Date(now).toISOString(),
      'x-replay-source': `${from.topic}/${from.partition}/${from.offset}`,
    })
    const producer = await run.transport.producer()
    await producer.send(topic, [{ key: from.key, value, headers }])
    return id
  }

  const hopsOf = (replayId: string): Hop[] => run.events.filter((e) => e.replay?.replay_id === replayId)

  it('fails again before the fix and posts after it (master data maintained later)', async () => {
    const dl = (await deadLetters()).find((r) => /M3\/305/.test(lastHeaderText(r.headers, 'kafka_dlt-exception-message') ?? ''))
    expect(dl, 'a Spring dead letter for M3/305 from the showcase').toBeDefined()
    const before = await replay(dl!, originalTopic(dl!))
    await advance(MIN)
    expect(hopsOf(before).map((e) => [e.event_type, e.status])).toContainEqual(['erp.posting_dead_lettered', 'dead_lettered'])
    expect(hopsOf(before).find((e) => e.event_type === 'erp.posting_dead_lettered')!.error?.code).toBe('M3/305')
    // A second dead letter, carrying the replay's provenance so the console can link it to the first.
    const again = (await deadLetters()).filter((r) => lastHeaderText(r.headers, 'x-replay-id') === before)
    expect(again).toHaveLength(1)

    // The showcase's missing material is maintained 12 minutes after it failed.
    await advance(12 * MIN)
    const after = await replay(dl!, originalTopic(dl!))
    await advance(MIN)
    const posted = hopsOf(after).find((e) => e.event_type === 'erp.posting_succeeded')
    expect(posted, JSON.stringify(hopsOf(after).map((e) => e.event_type))).toBeDefined()
    expect(posted!.business?.erp_document).toMatch(/^49\d{8}$/)
    expect(posted!.replay).toMatchObject({ replay_id: after, requested_by: 'test@linetrace' })
    expect(posted!.attributes?.reconciled).toBeUndefined()
    // Same transaction, same trace: the replay continues it.
    expect(posted!.correlation_id).toBe(lastHeaderText(dl!.headers, 'correlation_id'))
    expect(posted!.trace_id).toBe(lastHeaderText(dl!.headers, 'traceparent')!.split('-')[1])
  })

  it('never books a second ERP document for a transaction already posted', async () => {
    const posted = run.events.find((e) => e.event_type === 'erp.posting_succeeded' && e.attempt === 1 && !e.replay && e.flow === 'production_confirmation')!
    const source = (await readTopics(run.transport, run.sim.topics.map((t) => t.source))).find(
      (r) => lastHeaderText(r.headers, 'correlation_id') === posted.correlation_id && !lastHeaderText(r.headers, 'x-replay-id'),
    )!
    const id = await replay(source, source.topic)
    await advance(MIN)
    const result = hopsOf(id).find((e) => e.event_type === 'erp.posting_succeeded')
    expect(result).toMatchObject({ status: 'ok', business: { erp_document: posted.business!.erp_document }, attributes: { reconciled: 'true' } })
    expect(hopsOf(id).some((e) => e.event_type === 'erp.posting_requested')).toBe(false)
    expect(run.sim.erp.lookup(posted.idempotency_key!)?.document).toBe(posted.business!.erp_document)
    const docs = new Set(run.events.filter((e) => e.correlation_id === posted.correlation_id && e.event_type === 'erp.posting_succeeded').map((e) => e.business?.erp_document))
    expect(docs.size).toBe(1)
  })

  it('posts a TECO dead letter once the replay is edited onto an open order', async () => {
    const dl = (await deadLetters()).find((r) => /BS\/013/.test(lastHeaderText(r.headers, '__connect.errors.exception.message') ?? ''))
    expect(dl, 'a Connect dead letter for BS/013 from the showcase').toBeDefined()
    const msg = JSON.parse(dl!.value!.toString()) as { plant: string; line: string; work_order: string }
    const open = run.sim.engine.currentOrder(msg.plant, msg.line)!
    expect(open).not.toBe(msg.work_order)
    const unchanged = await replay(dl!, originalTopic(dl!))
    const edited = await replay(dl!, originalTopic(dl!), (v) => (v.work_order = open))
    await advance(MIN)
    expect(hopsOf(unchanged).find((e) => e.event_type === 'erp.posting_dead_lettered')?.error?.code).toBe('BS/013')
    const posted = hopsOf(edited).find((e) => e.event_type === 'erp.posting_succeeded')
    expect(posted).toMatchObject({ business: { work_order: open }, replay: { replay_id: edited, edited: true } })
  })

  it('re-posts only the failed backflush of a partial confirmation', async () => {
    const backflushes = (await deadLetters()).filter((r) => JSON.parse(r.value!.toString()).scope === 'backflush')
    const dl = backflushes.sort((a, b) => a.timestamp - b.timestamp)[0]
    expect(dl, 'a dead-lettered backflush from the showcase').toBeDefined()
    const confirmation = run.events.find((e) => e.event_type === 'erp.posting_partially_succeeded' && e.correlation_id === lastHeaderText(dl!.headers, 'correlation_id'))!
    // The missing component stock arrives by a goods receipt: when, the simulated ERP's reality knows.
    const stockAt = run.sim.world.deficits.get(confirmation.error!.dependency_key!)!.autoResolveAt
    if (now < stockAt) await advance(stockAt - now)
    const id = await replay(dl!, originalTopic(dl!))
    await advance(MIN)
    const posted = hopsOf(id).find((e) => e.event_type === 'erp.posting_succeeded')
    expect(posted, JSON.stringify(hopsOf(id).map((e) => [e.event_type, e.error?.text]))).toMatchObject({
      attributes: { scope: 'backflush', confirmation_document: confirmation.business!.erp_document },
    })
    expect(posted!.business?.erp_document).not.toBe(confirmation.business!.erp_document)
    expect(posted!.business?.quantity).toBeUndefined()
    // Only the movement was posted: every hop of the replay carries the movement's key, the confirmation keeps its one document.
    expect(new Set(hopsOf(id).map((e) => e.idempotency_key))).toEqual(new Set([`${confirmation.idempotency_key}:cogi:${posted!.business!.material}`]))
    expect(run.sim.erp.lookup(confirmation.idempotency_key!)?.document).toBe(confirmation.business!.erp_document)
  })

  it('dead-letters a replay whose edit broke the message, as a validation failure', async () => {
    const dl = (await deadLetters()).find((r) => /M3\/305/.test(lastHeaderText(r.headers, 'kafka_dlt-exception-message') ?? ''))!
    const id = await replay(dl, originalTopic(dl), (v) => (v.work_order = 'not-a-number'))
    await advance(MIN)
    expect(hopsOf(id).map((e) => e.event_type)).toEqual(['integration.message_received', 'integration.validation_failed', 'erp.posting_dead_lettered'])
    expect(hopsOf(id)[1]!.error).toMatchObject({ category: 'permanent', code: 'VAL/001', text: expect.stringContaining('work_order') })
  })
})
