import { afterEach, describe, expect, it } from 'vitest'
import { LocalTransport } from './local'
import { toHeaders } from './record-headers'
import type { BusBatch, BusConsumer } from './port'
import { uniqueTopic, waitFor } from './testing'

/** What only the in-process bus has: retention, memory caps, its own group assignment. The shared contract is in contract.test.ts. */

const consumers: BusConsumer[] = []
afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()))
})

async function setup(options: ConstructorParameters<typeof LocalTransport>[0] = {}, partitions = 1) {
  const bus = new LocalTransport({ firstOffset: 0, ...options })
  const topic = uniqueTopic('local')
  await bus.ensureTopics([{ name: topic, partitions }])
  const producer = await bus.producer()
  const consume = async (groupId: string, onBatch: (b: BusBatch) => void = () => {}) => {
    const c = bus.consumer({ groupId, topics: [topic] })
    consumers.push(c)
    await c.run(async (b) => onBatch(b))
    return c
  }
  return { bus, topic, producer, consume }
}

const values = (n: number, from = 0, size = 10) => Array.from({ length: n }, (_, i) => ({ value: String(from + i).padStart(size, '0') }))

describe('local bus', () => {
  it("begins a new process's offsets after the previous process's, so a restart never reuses one", async () => {
    const lastOffset = async (bus: LocalTransport, topic: string, n: number) => {
      await bus.ensureTopics([{ name: topic, partitions: 1 }])
      await (await bus.producer()).send(topic, values(n))
      const range = await bus.readPartition(topic, 0, '0', String(Number.MAX_SAFE_INTEGER))
      await bus.close()
      return range.map((r) => Number(r.offset))
    }
    const topic = uniqueTopic('restart')
    const before = await lastOffset(new LocalTransport(), topic, 1000)
    await new Promise((resolve) => setTimeout(resolve, 2)) // a restart takes longer than the 1 ms a thousand offsets need
    const after = await lastOffset(new LocalTransport(), topic, 3)
    expect(before).toHaveLength(1000)
    expect(after).toHaveLength(3)
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before))
    expect(after.every(Number.isSafeInteger)).toBe(true)
  })

  it('rejects unknown topics and bad partitions without writing anything', async () => {
    const { producer, topic, bus } = await setup({}, 2)
    await expect(producer.send('no-such-topic', [{ value: 'x' }])).rejects.toThrow(/does not exist/)
    await expect(producer.send(topic, [{ value: 'ok' }, { value: 'bad', partition: 2 }])).rejects.toThrow(/partitions 0..1/)
    const lag = await bus.consumer({ groupId: 'g', topics: [topic] }).lag()
    expect(lag.map((p) => p.end)).toEqual(['0', '0'])
  })

  it("copies the producer's buffers: later changes by the caller do not reach the log", async () => {
    const { producer, topic, consume } = await setup()
    const value = Buffer.from('before')
    const header = Buffer.from('h1')
    await producer.send(topic, [{ value, headers: { h: header } }])
    value.write('AFTER!')
    header.write('H2')
    const got: BusBatch[] = []
    await consume('g', (b) => got.push(b))
    await waitFor('the record', () => got[0])
    expect(got[0]!.records[0]!.value!.toString()).toBe('before')
    expect(String(got[0]!.records[0]!.headers.h)).toBe('h1')
  })

  it('bounds batches by records and by bytes', async () => {
    const { producer, topic, consume } = await setup({ maxBatchRecords: 100, maxBatchBytes: 500 })
    await producer.send(topic, values(1000, 0, 10))
    const sizes: number[] = []
    const c = await consume('g', (b) => sizes.push(b.records.length))
    await waitFor('everything consumed', async () => ((await c.lag())[0]!.lag === 0 ? true : undefined))
    expect(Math.max(...sizes)).toBe(50) // 500 bytes of 10-byte values
    expect(sizes.reduce((a, b) => a + b)).toBe(1000)
  })

  it('keeps a bounded history behind the slowest group, then drops it', async () => {
    const { producer, topic, consume, bus } = await setup({ retainConsumedRecords: 100 })
    await producer.send(topic, values(5000))
    const c = await consume('first')
    await waitFor('everything consumed', async () => ((await c.lag())[0]!.lag === 0 ? true : undefined))
    const [late] = await bus.consumer({ groupId: 'late', topics: [topic] }).lag()
    // Trimming runs in chunks (at least 1,024 records), so up to a chunk more than 100 may remain.
    expect(Number(late!.committed)).toBeGreaterThanOrEqual(5000 - 100 - 1024)
    expect(Number(late!.committed)).toBeLessThanOrEqual(5000 - 100)
    expect(late!.end).toBe('5000')
  })

  it('keeps everything a known group has not committed, up to the size cap', async () => {
    const { producer, topic, consume, bus } = await setup({ retainConsumedRecords: 0 })
    await producer.send(topic, values(3000))
    let stalled = true
    const slow = await consume('slow', () => {
      if (stalled) throw new Error('stuck')
    })
    const fast = await consume('fast')
    await waitFor('the fast group done', async () => ((await fast.lag())[0]!.lag === 0 ? true : undefined))
    const [probe] = await bus.consumer({ groupId: 'probe', topics: [topic] }).lag()
    expect(probe!.committed).toBe('0') // the stalled group still needs all of it
    stalled = false
    await waitFor('the slow group done', async () => ((await slow.lag())[0]!.lag === 0 ? true : undefined))
  })

  it('stops holding records back for a group that has been without members for idleGroupMs', async () => {
    const { producer, topic, consume, bus } = await setup({ retainConsumedRecords: 0, idleGroupMs: 300, maxBatchRecords: 10 })
    const logStart = async () => Number((await bus.consumer({ groupId: 'probe', topics: [topic] }).lag())[0]!.committed)
    await producer.send(topic, values(3000))
    let batches = 0
    const oneOff = await consume('one-off', () => {
      if (batches++ > 0) throw new Error('gone')
    })
    await waitFor('the one-off group committing its first batch', async () => ((await oneOff.lag())[0]!.committed === '10' ? true : undefined))
    await oneOff.stop()
    const fast = await consume('fast')
    await waitFor('the fast group done', async () => ((await fast.lag())[0]!.lag === 0 ? true : undefined))
    expect(await logStart(), 'held back for the recently idle group').toBe(0)

    await new Promise((resolve) => setTimeout(resolve, 400))
    await producer.send(topic, values(10))
    await waitFor('the fast group done again', async () => ((await fast.lag())[0]!.lag === 0 ? true : undefined))
    expect(await logStart(), 'trimmed to the fast group once the idle one expired').toBe(3010)
  })

  it('drops the oldest records beyond maxPartitionBytes; a group behind goes on from the oldest held', async () => {
    const { producer, topic, consume } = await setup({ maxPartitionBytes: 10_000 })
    await producer.send(topic, values(500, 0, 100)) // 50 kB into a 10 kB partition
    const seen: string[] = []
    const c = await consume('late', (b) => seen.push(...b.records.map((r) => r.offset)))
    await waitFor('the held records', async () => ((await c.lag())[0]!.lag === 0 ? true : undefined))
    expect(seen.length).toBeLessThanOrEqual(100)
    expect(seen.at(-1)).toBe('499')
    expect(Number(seen[0])).toBe(500 - seen.length)
  })

  it('shares the partitions of a group between its members, and hands them over on stop()', async () => {
    const { producer, topic, consume } = await setup({}, 4)
    const byMember = [new Set<number>(), new Set<number>()]
    const offsets: string[] = []
    const record = (m: number) => (b: BusBatch) => {
      byMember[m]!.add(b.partition)
      offsets.push(...b.records.map((r) => `${r.partition}:${r.offset}`))
    }
    const a = await consume('shared', record(0))
    await consume('shared', record(1))
    await producer.send(topic, Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: 'v' })))
    await waitFor('400 records', () => (offsets.length >= 400 ? true : undefined), { seen: () => offsets.length })
    expect(byMember[0]!.size + byMember[1]!.size).toBe(4)
    expect([...byMember[0]!].some((p) => byMember[1]!.has(p))).toBe(false)

    await a.stop()
    byMember[1]!.clear()
    await producer.send(topic, Array.from({ length: 400 }, (_, i) => ({ key: `k${i}`, value: 'v' })))
    await waitFor('800 records', () => (offsets.length >= 800 ? true : undefined), { seen: () => offsets.length })
    expect(byMember[1]!.size).toBe(4)
    expect(new Set(offsets).size).toBe(800) // nothing twice
  })

  it('carries a large volume in order without loss', async () => {
    const { producer, topic, consume } = await setup({}, 6)
    const keys = Array.from({ length: 1000 }, (_, i) => `corr-${i}`)
    const lastSeq = new Map<string, number>()
    let count = 0
    let outOfOrder = 0
    await consume('volume', (b) => {
      for (const r of b.records) {
        const key = r.key!.toString()
        const seq = r.value!.readUInt32BE(0)
        if ((lastSeq.get(key) ?? -1) >= seq) outOfOrder++
        lastSeq.set(key, seq)
        count++
      }
    })
    for (let round = 0; round < 200; round++) {
      await producer.send(
        topic,
        keys.map((key) => {
          const value = Buffer.alloc(200)
          value.writeUInt32BE(round, 0)
          return { key, value, headers: { 'content-type': 'application/json' } }
        }),
      )
    }
    await waitFor('200,000 records', () => (count >= 200_000 ? true : undefined), { seen: () => count })
    expect(outOfOrder).toBe(0)
  })
})

describe('toHeaders', () => {
  it('keeps one occurrence as a value, repeats as an array, and null as empty', () => {
    const h = toHeaders({ a: 'x', b: ['1', Buffer.from('2')], c: [Buffer.from('only')], d: [], e: undefined, f: null })
    expect(Object.keys(h)).toEqual(['a', 'b', 'c', 'f'])
    expect(String(h.a)).toBe('x')
    expect((h.b as Buffer[]).map(String)).toEqual(['1', '2'])
    expect(String(h.c)).toBe('only')
    expect((h.f as Buffer).length).toBe(0)
  })

  it('treats __proto__ as an ordinary header name', () => {
    const h = toHeaders(JSON.parse('{"__proto__":"p"}') as Record<string, string>)
    expect(Object.getPrototypeOf(h)).toBe(Object.prototype)
    expect(String(Object.getOwnPropertyDescriptor(h, '__proto__')?.value)).toBe('p')
  })
})
