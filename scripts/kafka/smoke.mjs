#!/usr/bin/env node
// Proves that kafkajs (our client) works with the pinned broker: the round trip the app relies on.
//
//   node scripts/kafka/smoke.mjs                  starts a throwaway broker with kafka.mjs --background
//                                                 (temporary DATA_DIR, free port), checks, stops it
//   node scripts/kafka/smoke.mjs 127.0.0.1:9092   checks an already running broker instead
//
// Exits non-zero on the first failed check. Why this matters: Kafka 4.0 removed old protocol
// versions (KIP-896) and kafkajs 2.2.4 is no longer maintained, so each version bump is re-proved here.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { CompressionTypes, Kafka, logLevel, Partitioners } from 'kafkajs'

const kafkaScript = join(dirname(fileURLToPath(import.meta.url)), 'kafka.mjs')

function portFree(port) {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => done(true)))
  })
}

/** A port p with p+1 free as well (the controller's), away from the default 9092. */
async function freePortPair() {
  for (let i = 0; i < 50; i++) {
    const port = 20000 + 2 * Math.floor(Math.random() * 6000) // below the ephemeral range (32768+)
    if ((await portFree(port)) && (await portFree(port + 1))) return port
  }
  throw new Error('no free port pair found')
}

let ownBroker = null
async function startOwnBroker() {
  const port = await freePortPair()
  const env = { ...process.env, KAFKA_PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'linetrace-kafka-smoke-')) }
  ownBroker = { env }
  const t0 = Date.now()
  // execFileSync also proves --background returns (the detached JVM holds none of our pipes).
  execFileSync(process.execPath, [kafkaScript, '--background'], { env, stdio: 'inherit' })
  console.log(`  (broker started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  return `127.0.0.1:${port}`
}

function stopOwnBroker() {
  if (!ownBroker) return
  execFileSync(process.execPath, [kafkaScript, '--stop'], { env: ownBroker.env, stdio: 'inherit' })
  rmSync(ownBroker.env.DATA_DIR, { recursive: true, force: true })
}

async function check(name, fn) {
  const t0 = Date.now()
  await fn()
  console.log(`  ok  ${name} (${Date.now() - t0} ms)`)
}

/** Collects messages with eachBatch until `count` arrived, committing after every batch. */
async function consume(kafka, groupId, topic, count, seen) {
  // A short fetch long-poll: kafkajs's disconnect() waits for the fetch in flight (5 s by default).
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 250 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  let done
  const finished = new Promise((resolve) => { done = resolve })
  await consumer.run({
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
      for (const message of batch.messages) {
        seen.push({ partition: batch.partition, ...message })
        resolveOffset(message.offset)
      }
      await commitOffsetsIfNecessary() // autoCommitThreshold 1: commits the resolved offsets now
      await heartbeat()
      if (seen.length >= count) done()
    },
    autoCommitThreshold: 1,
  })
  await Promise.race([finished, new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out: ${seen.length}/${count} messages`)), 30_000))])
  // Linger a moment: anything beyond `count` would mean the committed offset was not honoured.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  await consumer.disconnect()
}

async function main(bootstrap) {
  // kafkajs logs retriable errors as ERROR (on a fresh broker: "coordinator is loading", "group
  // coordinator is not available" while __consumer_offsets is created) and retries; the checks decide.
  const kafka = new Kafka({ clientId: 'linetrace-smoke', brokers: [bootstrap], logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  const topic = `smoke-${Date.now()}`
  const groupId = `${topic}-group`
  const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i)) // every byte value, 0x00 and 0xff included
  const make = (p, i) => ({
    partition: p,
    key: `key-${p}-${i}`,
    value: JSON.stringify({ p, i }),
    headers: { 'trace-id': `trace-${p}-${i}`, 'bin': binary, 'multi': ['a', 'b'] },
  })

  await admin.connect()
  try {
    await check('admin.createTopics (3 partitions)', async () => {
      assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true }), true)
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] })
      assert.equal(topics[0].partitions.length, 3)
      assert.ok((await admin.listTopics()).includes(topic))
    })

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner })
    await producer.connect()
    await check('producer.send with string, binary and repeated headers (idempotent, acks=all)', async () => {
      const messages = [0, 1, 2].flatMap((p) => Array.from({ length: 10 }, (_, i) => make(p, i)))
      const res = await producer.send({ topic, messages, acks: -1 })
      assert.equal(res.length, 3)
      assert.ok(res.every((r) => r.errorCode === 0))
    })

    const first = []
    await check('consumer group, eachBatch, commits: all 30 messages', async () => {
      await consume(kafka, groupId, topic, 30, first)
      assert.equal(first.length, 30)
      for (const m of first) {
        const { p, i } = JSON.parse(m.value.toString())
        assert.equal(m.partition, p)
        assert.equal(m.key.toString(), `key-${p}-${i}`)
        assert.equal(m.headers['trace-id'].toString(), `trace-${p}-${i}`)
        assert.ok(Buffer.isBuffer(m.headers.bin) && m.headers.bin.equals(binary), 'binary header changed on the way')
        assert.deepEqual(m.headers.multi.map(String), ['a', 'b'])
        assert.ok(Math.abs(Number(m.timestamp) - Date.now()) < 60_000)
      }
    })

    await check('admin.fetchOffsets: committed offset 10 on every partition', async () => {
      const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
      assert.deepEqual(partitions.map((x) => [x.partition, x.offset]).sort(), [[0, '10'], [1, '10'], [2, '10']])
    })

    await check('producer.send, gzip batch of 9 more', async () => {
      const messages = [0, 1, 2].flatMap((p) => Array.from({ length: 3 }, (_, i) => make(p, 10 + i)))
      await producer.send({ topic, messages, acks: -1, compression: CompressionTypes.GZIP })
    })
    await producer.disconnect()

    const second = []
    await check('second consumer, same group: resumes at the committed offset (only the 9 new)', async () => {
      await consume(kafka, groupId, topic, 9, second)
      assert.equal(second.length, 9)
      assert.ok(second.every((m) => Number(m.offset) >= 10), `re-read old messages: ${second.map((m) => `${m.partition}:${m.offset}`)}`)
      assert.ok(second.every((m) => m.headers.bin.equals(binary)))
    })

    await check('admin.fetchOffsets / fetchTopicOffsets: 13 committed, high watermark 13, low 0', async () => {
      const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] })
      assert.deepEqual(partitions.map((x) => x.offset), ['13', '13', '13'])
      const offsets = await admin.fetchTopicOffsets(topic)
      assert.deepEqual(offsets.map((o) => [o.partition, o.high, o.low]).sort(), [[0, '13', '0'], [1, '13', '0'], [2, '13', '0']])
      const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, Date.now() - 3_600_000)
      assert.deepEqual(byTime.map((o) => o.offset), ['0', '0', '0'])
    })

    await check('admin.listGroups / describeGroups', async () => {
      const { groups } = await admin.listGroups()
      assert.ok(groups.some((g) => g.groupId === groupId))
      const { groups: [described] } = await admin.describeGroups([groupId])
      assert.equal(described.state, 'Empty')
    })

    await check('admin.deleteTopics', async () => {
      await admin.deleteTopics({ topics: [topic] })
      assert.ok(!(await admin.listTopics()).includes(topic))
    })
  } finally {
    await admin.disconnect()
  }
}

const t0 = Date.now()
let failed = false
try {
  const bootstrap = process.argv[2] ?? (await startOwnBroker())
  console.log(`kafkajs round trip against ${bootstrap}`)
  await main(bootstrap)
  console.log(`smoke: all checks passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
} catch (err) {
  failed = true
  console.error('smoke: FAILED:', err)
} finally {
  try {
    stopOwnBroker()
  } catch (err) {
    failed = true
    console.error('smoke: could not stop the broker:', err)
  }
}
process.exit(failed ? 1 : 0)
