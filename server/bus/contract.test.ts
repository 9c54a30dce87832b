import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs'
import { KafkaTransport } from './kafka'
import { LocalTransport } from './local'
import { partitionForKey } from './placement'
import type { BatchHandler, BusBatch, BusConsumer, BusRecord, ConsumerOptions, HandlerContext, OutgoingRecord, Transport } from './port'
import { kafkaTestConfig, uniqueTopic, waitFor } from './testing'

/** The contract of port.ts, run against both adapters: the in-process bus and a real Kafka broker. */

const backoff = { initialMs: 50, maxMs: 200 }
const adapters = [
  // Offsets from 0 like a new Kafka topic's (the local bus's default begins after earlier processes', local.test.ts).
  { kind: 'local', create: (): Transport => new LocalTransport({ retryBackoff: backoff, firstOffset: 0 }) },
  {
    kind: 'kafka',
    create: (): Transport => new KafkaTransport(kafkaTestConfig(inject('kafkaBrokers')), { maxWaitTimeInMs: 100, topicRefreshMs: 300, heartbeatInterval: 500, retryBackoff: backoff }),
  },
]

/** How long a negative check ("nothing arrives") watches. */
const QUIET_MS = 1_500

const text = (b: Buffer | null) => b?.toString() ?? null
const at = (r: { partition: number; offset: string }) => `${r.partition}:${r.offset}`

function collect() {
  const batches: BusBatch[] = []
  const records = () => batches.flatMap((b) => b.records)
  const handler: BatchHandler = async (batch) => {
    batches.push(batch)
  }
  return { batches, records, handler }
}

describe.each(adapters)('transport contract: $kind', ({ kind, create }) => {
  let bus: Transport
  const running: BusConsumer[] = []

  beforeAll(() => {
    bus = create()
  })
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()))
    await bus.close()
  })

  async function topicWith(partitions: number, prefix = 'contract') {
    const name = uniqueTopic(`${prefix}-${kind}`)
    await bus.ensureTopics([{ name, partitions }])
    return name
  }

  function consumer(options: Omit<ConsumerOptions, 'groupId'> & { groupId?: string }) {
    const c = bus.consumer({ groupId: uniqueTopic('group'), ...options })
    running.push(c)
    return c
  }

  async function send(topic: string, records: OutgoingRecord[]) {
    return (await bus.producer()).send(topic, records)
  }

  const sum = async (c: BusConsumer) => (await c.lag()).reduce((n, p) => n + p.lag, 0)

  it('round-trips keys, values, timestamps, binary and repeated headers', async () => {
    const topic = await topicWith(3)
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const binaryKey = Buffer.from([0x00, 0xff, 0x80, 0x7f, 0x0a])
    const sent: OutgoingRecord[] = [
      { key: 'order-1', value: '{"n":1}', headers: { bin: binary, multi: ['first', Buffer.from('second'), 'third'], text: 'x' }, timestamp: 1_700_000_000_000 },
      { key: binaryKey, value: binary },
      { key: null, value: null, partition: 2 },
      { value: 'no key' },
    ]
    const produced = await send(topic, sent)
    expect(produced.map((p) => p.topic)).toEqual([topic, topic, topic, topic])
    expect(produced.slice(0, 3).map((p) => p.partition)).toEqual([partitionForKey(Buffer.from('order-1'), 3), partitionForKey(binaryKey, 3), 2])

    const got = collect()
    await consumer({ topics: [topic] }).run(got.handler)
    await waitFor('4 records', () => (got.records().length >= 4 ? true : undefined), { seen: () => got.records().map(at) })
    const byPosition = new Map(got.records().map((r) => [at(r), r]))
    const [r0, r1, r2, r3] = produced.map((p) => byPosition.get(at(p)))

    expect(text(r0!.key)).toBe('order-1')
    expect(text(r0!.value)).toBe('{"n":1}')
    expect(r0!.timestamp).toBe(1_700_000_000_000)
    expect(Buffer.isBuffer(r0!.headers.bin) && r0!.headers.bin.equals(binary)).toBe(true)
    expect((r0!.headers.multi as Buffer[]).map(String)).toEqual(['first', 'second', 'third'])
    expect(Buffer.isBuffer(r0!.headers.text) && r0!.headers.text.toString()).toBe('x')
    expect(r1!.key!.equals(binaryKey)).toBe(true)
    expect(r1!.value!.equals(binary)).toBe(true)
    expect(r1!.headers).toEqual({})
    expect(Math.abs(r1!.timestamp - Date.now())).toBeLessThan(60_000)
    expect([r2!.key, r2!.value, r2!.partition]).toEqual([null, null, 2])
    expect([r3!.key, text(r3!.value)]).toEqual([null, 'no key'])
  })

  it('reports end offsets and reads a range of one partition outside any group', async () => {
    const topic = await topicWith(2)
    expect(await bus.endOffsets(topic)).toEqual([
      { partition: 0, end: '0' },
      { partition: 1, end: '0' },
    ])
    await send(topic, Array.from({ length: 6 }, (_, i) => ({ value: String(i), partition: 1, headers: { 'x-n': String(i) } })))
    await send(topic, [{ value: 'other', partition: 0 }])
    expect(await bus.endOffsets(topic)).toEqual([
      { partition: 0, end: '1' },
      { partition: 1, end: '6' },
    ])
    const range = await bus.readPartition(topic, 1, '2', '5')
    expect(range.map((r) => [r.offset, text(r.value), String(r.headers['x-n'])])).toEqual([
      ['2', '2', '2'],
      ['3', '3', '3'],
      ['4', '4', '4'],
    ])
    expect(await bus.readPartition(topic, 1, '6', '6')).toEqual([])
    // Nothing was committed anywhere: a new group still reads everything.
    const got = collect()
    await consumer({ topics: [topic] }).run(got.handler)
    await waitFor('7 records', () => (got.records().length >= 7 ? true : undefined), { seen: () => got.records().length })
    await expect(bus.endOffsets(uniqueTopic('missing'))).rejects.toThrow()
  })

  it('keeps the records of one key in one partition, in order, where Kafka puts them', async () => {
    const topic = await topicWith(4)
    const keys = Array.from({ length: 20 }, (_, i) => `corr-${i}`)
    for (let round = 0; round < 5; round++) await send(topic, keys.flatMap((key) => [0, 1, 2].map((j) => ({ key, value: String(round * 3 + j) }))))

    const got = collect()
    await consumer({ topics: [topic] }).run(got.handler)
    await waitFor('300 records', () => (got.records().length >= 300 ? true : undefined), { seen: () => got.records().length })
    expect(got.records()).toHaveLength(300)
    for (const key of keys) {
      const mine = got.records().filter((r) => text(r.key) === key)
      expect(new Set(mine.map((r) => r.partition)), key).toEqual(new Set([partitionForKey(Buffer.from(key), 4)]))
      expect(mine.map((r) => Number(text(r.value))), key).toEqual(Array.from({ length: 15 }, (_, i) => i))
    }
    for (const b of got.batches) expect(b.records.every((r) => r.partition === b.partition && r.topic === topic)).toBe(true)
  })

  it('delivers a rejected batch again, the same records from the same offset', async () => {
    const topic = await topicWith(1)
    await send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i) })))
    const deliveries: BusBatch[] = []
    const c = consumer({ topics: [topic] })
    await c.run(async (batch) => {
      deliveries.push(batch)
      if (deliveries.length === 1) throw new Error('store unavailable')
    })
    await waitFor('all 10 records after the retry', () => (deliveries.slice(1).flatMap((b) => b.records).length >= 10 ? true : undefined), {
      seen: () => deliveries.map((b) => b.records.map(at)),
    })
    const [rejected, again] = deliveries
    expect(again!.records.slice(0, rejected!.records.length).map((r) => [at(r), text(r.value)])).toEqual(rejected!.records.map((r) => [at(r), text(r.value)]))
    expect(deliveries.slice(1).flatMap((b) => b.records.map((r) => r.offset))).toEqual(Array.from({ length: 10 }, (_, i) => String(i)))
    await waitFor('lag 0', async () => ((await sum(c)) === 0 ? true : undefined))
  })

  it('stop() aborts a slow handler, waits for it, commits nothing of it; the group resumes right after the last resolved batch', async () => {
    const topic = await topicWith(1)
    const groupId = uniqueTopic('resume')
    await send(topic, Array.from({ length: 5 }, (_, i) => ({ value: String(i) })))

    const resolved: BusRecord[] = []
    let slow: { batch: BusBatch; ctx: HandlerContext } | undefined
    let settledAt = 0
    const a = consumer({ groupId, topics: [topic] })
    await a.run(async (batch, ctx) => {
      if (resolved.length < 5) {
        resolved.push(...batch.records)
        return
      }
      slow = { batch, ctx }
      await new Promise((_, reject) =>
        ctx.signal.addEventListener('abort', () =>
          setTimeout(() => {
            settledAt = Date.now()
            reject(new Error('aborted while writing'))
          }, 200),
        ),
      )
    })
    await waitFor('the first 5 records resolved', () => (resolved.length >= 5 ? true : undefined))
    await waitFor('lag 0 after the first batches', async () => ((await sum(a)) === 0 ? true : undefined))
    await send(topic, Array.from({ length: 5 }, (_, i) => ({ value: String(5 + i) })))
    await waitFor('the slow batch in flight', () => slow)

    await a.stop()
    expect(slow!.ctx.signal.aborted).toBe(true)
    expect(settledAt, 'stop() resolved before the handler settled').toBeGreaterThan(0)
    expect((await a.lag()).map((p) => [p.committed, p.end, p.lag])).toEqual([['5', '10', 5]])

    await send(topic, Array.from({ length: 5 }, (_, i) => ({ value: String(10 + i) })))
    const b = collect()
    await consumer({ groupId, topics: [topic] }).run(b.handler)
    await waitFor('10 records in the second consumer', () => (b.records().length >= 10 ? true : undefined), { seen: () => b.records().map(at) })
    expect(resolved.map((r) => r.offset)).toEqual(['0', '1', '2', '3', '4'])
    expect(b.records().map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => String(5 + i)))
    expect(b.records().map((r) => text(r.value))).toEqual(Array.from({ length: 10 }, (_, i) => String(5 + i)))
  })

  it('members of one group share the partitions; stop() hands them over without losing records', async () => {
    const topic = await topicWith(4)
    const groupId = uniqueTopic('shared')
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`)
    const seen = [new Set<string>(), new Set<string>()]
    const sent = new Set<string>()
    const member = async (i: number) => {
      const c = consumer({ groupId, topics: [topic] })
      await c.run(async (batch) => {
        for (const r of batch.records) seen[i]!.add(text(r.value)!)
      })
      return c
    }
    const a = await member(0)
    await member(1)
    const round = async (label: string) => {
      const records = keys.map((key) => ({ key, value: `${label}:${key}` }))
      records.forEach((r) => sent.add(r.value))
      await send(topic, records)
    }
    // Kafka rebalances when the second member joins; keep producing until both receive records.
    let n = 0
    await waitFor('both members receiving', async () => (await round(String(n++)), seen[0]!.size && seen[1]!.size ? true : undefined), { intervalMs: 200, seen: () => seen.map((s) => s.size) })

    await a.stop()
    await round('after-stop')
    await waitFor('the second member taking every partition', () => (keys.every((k) => seen[1]!.has(`after-stop:${k}`)) ? true : undefined), { seen: () => seen[1]!.size })
    const lost = [...sent].filter((v) => !seen[0]!.has(v) && !seen[1]!.has(v))
    expect(lost).toEqual([])
  })

  it('partitionsInFlight: deliveries of different partitions overlap, never two of one partition; 1 gives one at a time', async () => {
    const topic = await topicWith(3)
    const watch = (inFlight: number) => {
      const busy = new Set<number>()
      let most = 0
      let sameTwice = false
      let seen = 0
      let release!: () => void
      const gate = new Promise<void>((resolve) => (release = resolve))
      const handler: BatchHandler = async (batch) => {
        if (busy.has(batch.partition)) sameTwice = true
        busy.add(batch.partition)
        most = Math.max(most, busy.size)
        seen += batch.records.length
        // Held until a second partition's delivery arrived (or the check gave up waiting for one).
        await Promise.race([gate, new Promise((r) => setTimeout(r, QUIET_MS))])
        busy.delete(batch.partition)
      }
      return { handler, release, stats: () => ({ most, sameTwice, seen }), inFlight }
    }
    await send(topic, [0, 1, 2].flatMap((partition) => Array.from({ length: 4 }, (_, i) => ({ value: `${partition}-${i}`, partition }))))
    for (const w of [watch(2), watch(1)]) {
      await consumer({ topics: [topic], partitionsInFlight: w.inFlight }).run(w.handler)
      if (w.inFlight > 1) await waitFor('two partitions in flight', () => (w.stats().most >= 2 ? true : undefined), { seen: w.stats })
      w.release()
      await waitFor('12 records', () => (w.stats().seen >= 12 ? true : undefined), { seen: w.stats })
      expect(w.stats()).toEqual({ most: w.inFlight, sameTwice: false, seen: 12 })
    }
  })

  // Kafka hands over the partition's next batch once one is released; the in-process bus may ignore
  // release() (port.ts), so what both must do is checked for both and the overlap for Kafka alone.
  it('release(): commits still wait for the released batch, in order; Kafka delivers the next batch meanwhile', async () => {
    const topic = await topicWith(1)
    await send(topic, [{ value: 'r0' }])
    const deliveries: string[][] = []
    let open!: () => void
    const gate = new Promise<void>((resolve) => (open = resolve))
    const c = consumer({ topics: [topic] })
    await c.run(async (batch, ctx) => {
      deliveries.push(batch.records.map((r) => text(r.value)!))
      if (deliveries.length > 1) return
      ctx.release?.()
      await gate
    })
    await waitFor('the first batch', () => (deliveries.length >= 1 ? true : undefined))
    await send(topic, [{ value: 'r1' }])
    if (kind === 'kafka') await waitFor('the next batch while the released one is held', () => (deliveries.length >= 2 ? true : undefined))
    else await new Promise((r) => setTimeout(r, QUIET_MS))
    expect(await sum(c), 'nothing committed while the released batch is held').toBe(2)
    expect(deliveries.length).toBe(kind === 'kafka' ? 2 : 1)
    open()
    await waitFor('lag 0', async () => ((await sum(c)) === 0 ? true : undefined), { seen: () => deliveries })
    expect(deliveries.flat()).toEqual(['r0', 'r1'])
  })

  it('release(): a released batch that rejects is delivered again from its first offset, and no later batch is committed before it', async () => {
    const topic = await topicWith(1)
    await send(topic, [{ value: 'r0' }])
    const deliveries: string[][] = []
    let fail!: () => void
    const failing = new Promise<void>((resolve) => (fail = resolve))
    const c = consumer({ topics: [topic] })
    await c.run(async (batch, ctx) => {
      deliveries.push(batch.records.map((r) => text(r.value)!))
      if (deliveries.length > 1) return
      ctx.release?.()
      await failing
      throw new Error('store unavailable')
    })
    await waitFor('the first batch', () => (deliveries.length >= 1 ? true : undefined))
    await send(topic, [{ value: 'r1' }])
    if (kind === 'kafka') {
      await waitFor('the next batch while the released one is held', () => (deliveries.length >= 2 ? true : undefined))
      expect(await sum(c), 'the later batch resolved but is not committed').toBe(2)
    }
    fail()
    await waitFor('r0 delivered again, and lag 0', async () => (deliveries.slice(1).some((d) => d[0] === 'r0') && (await sum(c)) === 0 ? true : undefined), { seen: () => deliveries })
    const again = deliveries.findIndex((d, i) => i > 0 && d[0] === 'r0')
    expect(deliveries.slice(again).flat(), 'everything from the rejected batch on, once more').toEqual(['r0', 'r1'])
  })

  it('pause() stops delivery until resume()', async () => {
    const topic = await topicWith(2)
    await send(topic, [{ key: 'a', value: '1' }, { key: 'b', value: '2' }])
    const got = collect()
    const c = consumer({ topics: [topic] })
    await c.run(got.handler)
    await waitFor('the first 2 records', () => (got.records().length >= 2 ? true : undefined))
    c.pause()
    expect(c.isPaused()).toBe(true)
    await send(topic, [{ key: 'a', value: '3' }, { key: 'b', value: '4' }, { key: 'c', value: '5' }])
    await waitFor('lag 3 while paused', async () => ((await sum(c)) === 3 ? true : undefined))
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS))
    expect(got.records().map((r) => text(r.value)).sort(), 'delivered while paused').toEqual(['1', '2'])
    c.resume()
    expect(c.isPaused()).toBe(false)
    await waitFor('all 5 records after resume()', () => (got.records().length >= 5 ? true : undefined), { seen: () => got.records().map(at) })
    expect(got.records().map((r) => text(r.value)).sort()).toEqual(['1', '2', '3', '4', '5'])
  })

  it('lag() counts the records the group has not committed', async () => {
    const topic = await topicWith(2)
    await send(topic, Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: String(i) })))
    const c = consumer({ topics: [topic] })
    const before = await c.lag()
    expect(before.map((p) => p.partition).sort()).toEqual([0, 1])
    expect(before.every((p) => p.committed === '0' && p.lag === Number(p.end))).toBe(true)
    expect(before.reduce((n, p) => n + p.lag, 0)).toBe(10)

    await c.run(collect().handler)
    await waitFor('lag 0', async () => ((await sum(c)) === 0 ? true : undefined))
    c.pause()
    await send(topic, Array.from({ length: 4 }, (_, i) => ({ key: `j${i}`, value: String(i) })))
    await waitFor('lag 4', async () => ((await sum(c)) === 4 ? true : undefined), { seen: async () => c.lag() })
  })

  it('startGroupAtTime() commits the first offset at or after a time for a group without commits, and leaves committed partitions and other groups alone', async () => {
    const topic = await topicWith(2)
    const t0 = Date.now() - 60_000
    // Partition 0: records at t0, t0+10, t0+20; partition 1: one record at t0, none at or after t0+15.
    await send(topic, [0, 10, 20].map((d) => ({ value: `p0@${d}`, partition: 0, timestamp: t0 + d })))
    await send(topic, [{ value: 'p1@0', partition: 1, timestamp: t0 }])
    const other = consumer({ topics: [topic] })
    const otherGot = collect()
    await other.run(otherGot.handler)
    await waitFor('the other group read everything', async () => ((await sum(other)) === 0 ? true : undefined))
    const otherBefore = await other.lag()

    const groupId = uniqueTopic('group-at-time')
    expect(await bus.startGroupAtTime(groupId, topic, t0 + 15)).toEqual([
      { partition: 0, offset: '2' },
      { partition: 1, offset: '1' },
    ])
    expect(await bus.startGroupAtTime(groupId, topic, t0), 'committed partitions are left alone').toEqual([])
    const got = collect()
    const c = consumer({ groupId, topics: [topic] })
    expect((await c.lag()).map((p) => [p.partition, p.committed]).sort()).toEqual([[0, '2'], [1, '1']])
    await c.run(got.handler)
    await waitFor('the record after the time', () => (got.records().length >= 1 ? true : undefined))
    await new Promise((r) => setTimeout(r, 300))
    expect(got.records().map((r) => text(r.value))).toEqual(['p0@20'])
    expect(await other.lag(), "another group's offsets are untouched").toEqual(otherBefore)
  })

  it('ensureTopics() is idempotent and leaves existing topics as they are', async () => {
    const name = uniqueTopic(`ensure-${kind}`)
    await Promise.all([bus.ensureTopics([{ name, partitions: 3 }]), bus.ensureTopics([{ name, partitions: 3 }])])
    await bus.ensureTopics([{ name, partitions: 5 }])
    expect(await bus.listTopics()).toContain(name)
    const lag = await bus.consumer({ groupId: uniqueTopic('group'), topics: [name] }).lag()
    expect(lag.map((p) => p.partition).sort()).toEqual([0, 1, 2])
  })

  it('a pattern subscription picks up a topic created after start', async () => {
    const prefix = uniqueTopic(`rx-${kind}`)
    await bus.ensureTopics([{ name: `${prefix}.a`, partitions: 1 }])
    await send(`${prefix}.a`, [{ value: 'a1' }])
    const got = collect()
    const c = consumer({ topics: new RegExp(`^${prefix}\\.`) })
    await c.run(got.handler)
    await waitFor('the record of the first topic', () => (got.records().length >= 1 ? true : undefined))
    const none = collect()
    await consumer({ topics: new RegExp(`^${prefix}\\.b$`) }).run(none.handler) // matches nothing yet

    await bus.ensureTopics([{ name: `${prefix}.b`, partitions: 2 }])
    await send(`${prefix}.b`, [{ key: 'x', value: 'b1' }, { key: 'y', value: 'b2' }])
    await waitFor('the records of the later topic', () => (got.records().length >= 3 ? true : undefined), { seen: () => got.records().map((r) => text(r.value)) })
    expect(got.records().map((r) => text(r.value)).sort(), 'nothing delivered twice').toEqual(['a1', 'b1', 'b2'])
    await waitFor('the later topic for a pattern that matched nothing at start', () => (none.records().length >= 2 ? true : undefined))
    expect(none.records().map((r) => text(r.value)).sort()).toEqual(['b1', 'b2'])
    expect((await c.lag()).map((p) => p.topic).sort()).toEqual([`${prefix}.a`, `${prefix}.b`, `${prefix}.b`])
  })

  it('close() stops the consumers still running', async () => {
    const own = create()
    const name = uniqueTopic(`close-${kind}`)
    await own.ensureTopics([{ name, partitions: 1 }])
    let signal: AbortSignal | undefined
    const c = own.consumer({ groupId: uniqueTopic('group'), topics: [name] })
    await c.run(async (_batch, ctx) => {
      signal = ctx.signal
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve))
    })
    await (await own.producer()).send(name, [{ value: 'x' }])
    await waitFor('the batch in flight', () => signal)
    await own.close()
    expect(signal!.aborted).toBe(true)
    await c.stop() // already stopped: resolves at once
  })
})

it('Kafka: a topic created with retentionMs keeps records that long, whatever the broker default', async () => {
  const brokers = inject('kafkaBrokers')
  const bus = new KafkaTransport(kafkaTestConfig(brokers))
  const kafka = new Kafka({ clientId: 'retention-check', brokers: brokers.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  try {
    const week = uniqueTopic('retention-week')
    const plain = uniqueTopic('retention-default')
    await bus.ensureTopics([
      { name: week, partitions: 1, retentionMs: 8 * 86_400_000 },
      { name: plain, partitions: 1 },
    ])
    await admin.connect()
    const { resources } = await admin.describeConfigs({
      resources: [week, plain].map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['retention.ms'] })),
      includeSynonyms: false,
    })
    const retention = (name: string) => resources.find((r) => r.resourceName === name)?.configEntries.find((e) => e.configName === 'retention.ms')
    expect(retention(week)).toMatchObject({ configValue: String(8 * 86_400_000), isDefault: false })
    expect(retention(plain)?.isDefault).toBe(true)
  } finally {
    await admin.disconnect()
    await bus.close()
  }
})
