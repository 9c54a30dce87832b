// Ports and readiness: both ports free before a start, and a broker that really serves clients.
import { createConnection, createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { brokerProcesses } from './processes.mjs'
import { BOOTSTRAP, CONTROLLER_PORT, Fatal, HOST, PORT, START_TIMEOUT_MS } from './settings.mjs'

function portFree(port) {
  return new Promise((done) => {
    const server = createServer()
    server.once('error', () => done(false))
    server.listen({ port, host: HOST, exclusive: true }, () => server.close(() => done(true)))
  })
}

export async function checkPorts() {
  for (const port of [PORT, CONTROLLER_PORT]) {
    if (await portFree(port)) continue
    const other = brokerProcesses().find((b) => b.port === port || b.port + 1 === port)
    if (other) {
      throw new Fatal(`Port ${port} is held by the broker of another DATA_DIR (pid ${other.pid}, ${other.dir}), ` +
        `left running by another clone or an earlier test run? Stop it: DATA_DIR=${other.dir} node scripts/kafka/kafka.mjs --stop`)
    }
    throw new Fatal(`Port ${port} on ${HOST} is in use by another process: stop it (ss -ltnp 'sport = :${port}' shows ` +
      'which) or set KAFKA_PORT (the controller uses KAFKA_PORT+1).')
  }
}

function tcpOpen(port) {
  return new Promise((done) => {
    const socket = createConnection({ host: HOST, port, timeout: 1000 })
    socket.once('connect', () => { socket.destroy(); done(true) })
    socket.once('error', () => done(false))
    socket.once('timeout', () => { socket.destroy(); done(false) })
  })
}

/**
 * Ready means real client calls succeed, not just an open port: kafkajs admin listTopics(). Then it
 * warms what a fresh broker sets up lazily, so that a test's first consumer group or idempotent
 * producer does not wait for it (nor kafkajs log "coordinator is loading" errors): a group look-up
 * creates __consumer_offsets, an idempotent producer's InitProducerId allocates producer ids.
 */
export async function waitReady(hasExited) {
  const { Kafka, logLevel } = await import('kafkajs').catch(() => {
    throw new Fatal('kafkajs is not installed: run npm install first')
  })
  const kafka = new Kafka({ clientId: 'linetrace-kafka-script', brokers: [BOOTSTRAP], logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 5000, retry: { retries: 0 } })
  const deadline = Date.now() + START_TIMEOUT_MS
  for (;;) {
    if (hasExited()) throw new Fatal(`Kafka exited during start-up${hasExited()}`)
    if (await tcpOpen(PORT)) {
      const admin = kafka.admin()
      // (kafkajs refuses an idempotent producer without retries)
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1 } })
      try {
        await admin.connect()
        await admin.listTopics()
        await admin.describeGroups(['linetrace-kafka-ready'])
        await producer.connect()
        return
      } catch {
        // not serving yet (e.g. the broker is still catching up with its own metadata log)
      } finally {
        await Promise.all([admin.disconnect(), producer.disconnect()]).catch(() => {})
      }
    }
    if (Date.now() > deadline) throw new Fatal(`Kafka did not answer on ${BOOTSTRAP} within ${START_TIMEOUT_MS / 1000} s`)
    await sleep(250)
  }
}

