import { describe, expect, test } from 'vitest'
import { type Batch, MAX_WEEKS_PER_BATCH, PartitionBatcher, weekOf } from './batcher'
import type { BatchRange } from './checkpoints'
import type { HopEventInsert } from '../../server/clickhouse/tables/hop-events'

const DAY = 86_400_000
const T0 = Date.parse('2026-11-23T00:00:00Z') // a Monday

function setup(opts: { maxRows?: number; flushMs?: number; ranges?: BatchRange[]; committed?: bigint } = {}) {
  const written: { token: string; offsets: string[]; fixed: boolean }[] = []
  const batcher = new PartitionBatcher({
    topic: 't',
    partition: 0,
    maxRows: opts.maxRows ?? 1000,
    flushMs: opts.flushMs ?? 60_000,
    ranges: opts.ranges ?? [],
    committed: opts.committed ?? 0n,
    write: async (b) => {
      written.push({ token: b.token, offsets: b.events.map((r) => r.src_offset!), fixed: b.fixed })
    },
  })
  /** Shows offsets [from, to] as one delivery; returns the batches that hold its rows. */
  const deliver = (from: number, to: number, caughtUp = true, originMs = T0) => {
    const batches = new Set<Batch>()
    for (let o = from; o <= to; o++) {
      const b = batcher.add(String(o), [{ row: { src_offset: String(o) } as HopEventInsert, originMs, occurredMs: originMs }])
      if (b) batches.add(b)
    }
    batcher.endOfDelivery(String(to), caughtUp)
    return Promise.all([...batches].map((b) => b.done))
  }
  return { batcher, written, deliver }
}

const range = (first: number, last: number): BatchRange => ({ first: BigInt(first), last: BigInt(last) })
const offsets = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i))

describe('sealing', () => {
  test('a full batch is sealed at maxRows; the rest at the end of a delivery that is behind', async () => {
    const { written, deliver } = setup({ maxRows: 4 })
    await deliver(0, 9, false)
    expect(written.map((w) => w.token)).toEqual(['t:0:0-3', 't:0:4-7', 't:0:8-9'])
  })

  test("a record's rows (an OTLP request's hops) stay in one batch, even past maxRows", async () => {
    const { batcher, written } = setup({ maxRows: 4 })
    const rows = (o: number, n: number) => Array.from({ length: n }, () => ({ row: { src_offset: String(o) } as HopEventInsert, originMs: T0, occurredMs: T0 }))
    const done = [batcher.add('0', rows(0, 3)), batcher.add('1', rows(1, 3)), batcher.add('2', rows(2, 1))].map((b) => b!.done)
    batcher.endOfDelivery('2', false)
    await Promise.all(done)
    expect(written.map((w) => [w.token, w.offsets.length])).toEqual([
      ['t:0:0-1', 6],
      ['t:0:2-2', 1],
    ])
  })

  test('caught up: the first batch goes at once, the next one waits out flushMs since the previous', async () => {
    const { written, deliver } = setup({ flushMs: 150 })
    await deliver(0, 1)
    expect(written).toHaveLength(1)
    const started = Date.now()
    const second = deliver(2, 3)
    await new Promise((r) => setTimeout(r, 20))
    expect(written).toHaveLength(1)
    await second
    expect(Date.now() - started).toBeGreaterThanOrEqual(100)
    expect(written.map((w) => w.token)).toEqual(['t:0:0-1', 't:0:2-3'])
  })

  test(`a batch never spans more than ${MAX_WEEKS_PER_BATCH} weeks (ClickHouse partitions)`, async () => {
    const { batcher, written } = setup()
    const done: Promise<void>[] = []
    for (let i = 0; i < MAX_WEEKS_PER_BATCH + 5; i++) {
      done.push(batcher.add(String(i), [{ row: { src_offset: String(i) } as HopEventInsert, originMs: T0 - i * 7 * DAY, occurredMs: T0 }])!.done)
    }
    batcher.endOfDelivery(String(MAX_WEEKS_PER_BATCH + 4), false)
    await Promise.all(done)
    expect(written.map((w) => w.offsets.length)).toEqual([MAX_WEEKS_PER_BATCH, 5])
  })

  test('weekOf matches toMonday: weeks start on Monday 00:00 UTC', () => {
    expect(weekOf(T0)).toBe(weekOf(T0 + 7 * DAY - 1))
    expect(weekOf(T0 - 1)).toBe(weekOf(T0) - 1)
  })
})

describe('recovery from recorded ranges', () => {
  test('recorded ranges are rebuilt exactly, whatever maxRows is now; then batching goes on normally', async () => {
    const { written, deliver } = setup({ maxRows: 3, ranges: [range(0, 6), range(7, 8)], committed: 0n })
    await deliver(0, 12, false)
    expect(written).toEqual([
      { token: 't:0:0-6', offsets: offsets(0, 6), fixed: true },
      { token: 't:0:7-8', offsets: offsets(7, 8), fixed: true },
      { token: 't:0:9-11', offsets: offsets(9, 11), fixed: false },
      { token: 't:0:12-12', offsets: ['12'], fixed: false },
    ])
  })

  test('a range the committed offset cut through was written: its remaining rows are skipped', async () => {
    const { written, deliver } = setup({ ranges: [range(0, 9), range(10, 14)], committed: 5n })
    await deliver(5, 20, false)
    expect(written.map((w) => [w.token, w.offsets.length])).toEqual([
      ['t:0:10-14', 5],
      ['t:0:15-20', 6],
    ])
  })

  test('rows before the next recorded range form a batch that stops before it', async () => {
    const { written, deliver } = setup({ ranges: [range(5, 7)], committed: 2n })
    await deliver(2, 9, false)
    expect(written.map((w) => w.token)).toEqual(['t:0:2-4', 't:0:5-7', 't:0:8-9'])
  })

  test('a range delivered in two parts keeps its token for the first part; the rest becomes its own range', async () => {
    const { written, deliver } = setup({ ranges: [range(0, 9)], committed: 0n })
    await deliver(0, 5, false)
    await deliver(6, 12, false)
    expect(written.map((w) => w.token)).toEqual(['t:0:0-9', 't:0:6-9', 't:0:10-12'])
    expect(written[0]!.offsets).toEqual(offsets(0, 5))
  })
})

test('abandon fails open batches; nothing more is written', async () => {
  const { batcher, written, deliver } = setup({ flushMs: 60_000 })
  await deliver(0, 0)
  const pending = deliver(1, 2)
  batcher.abandon(new Error('stopping'))
  await expect(pending).rejects.toThrow('stopping')
  expect(written).toHaveLength(1)
  expect(batcher.isIdle()).toBe(true)
})
