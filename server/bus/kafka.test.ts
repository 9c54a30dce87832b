import { Writable } from 'node:stream'
import { logLevel } from 'kafkajs'
import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { kafkaClientConfig, kafkaLogCreator } from './kafka-client'

/** The Kafka adapter's configuration and logging; its consumer contract is in contract.test.ts. */

const kafka = { brokers: ['broker-1:9093', 'broker-2:9093'], clientId: 'linetrace', groupId: 'linetrace-ingest', ssl: true }

describe('kafkaClientConfig', () => {
  it('passes brokers, client id, TLS and each SASL mechanism to kafkajs', () => {
    for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
      const config = kafkaClientConfig({ ...kafka, sasl: { mechanism, username: 'svc-linetrace', password: 's3cret' } })
      expect(config).toMatchObject({ brokers: kafka.brokers, clientId: 'linetrace', ssl: true, sasl: { mechanism, username: 'svc-linetrace', password: 's3cret' } })
    }
    const plain = kafkaClientConfig({ ...kafka, ssl: false })
    expect([plain.ssl, plain.sasl]).toEqual([false, undefined])
  })
})

describe('kafkaLogCreator', () => {
  function capture() {
    const lines: Record<string, unknown>[] = []
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    })
    const log = kafkaLogCreator(pino({ level: 'trace' }, stream))(logLevel.DEBUG)
    const entry = (namespace: string, level: logLevel, message: string, extra: Record<string, unknown> = {}) =>
      log({ namespace, level, label: logLevel[level], log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra } })
    return { lines, entry }
  }

  it("shifts kafkajs' levels: retried network errors warn, routine info is debug", () => {
    const { lines, entry } = capture()
    entry('Connection', logLevel.ERROR, 'Response FindCoordinator(key: 10, version: 4)', { error: 'The coordinator is loading' })
    entry('BrokerPool', logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED')
    entry('Consumer', logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Topic authorization failed')
    entry('Consumer', logLevel.ERROR, 'Restarting the consumer in 300ms')
    entry('ConsumerGroup', logLevel.WARN, 'The group is rebalancing, re-joining')
    entry('ConsumerGroup', logLevel.INFO, 'Consumer has joined the group')
    entry('Connection', logLevel.DEBUG, 'Request Fetch(key: 1, version: 11)')
    expect(lines.map((l) => [l.level, l.namespace])).toEqual([
      [40, 'Connection'],
      [40, 'BrokerPool'],
      [50, 'Consumer'],
      [40, 'Consumer'],
      [40, 'ConsumerGroup'],
      [20, 'ConsumerGroup'],
      [10, 'Connection'],
    ])
    expect(lines[0]).toMatchObject({ component: 'kafkajs', msg: 'Response FindCoordinator(key: 10, version: 4)', error: 'The coordinator is loading' })
  })

  it('never logs SASL credentials', () => {
    const { lines, entry } = capture()
    entry('SASLAuthenticator', logLevel.ERROR, 'SASL SCRAM SHA256 authentication failed', { sasl: { username: 'u', password: 'hunter2' }, password: 'hunter2', saslPassword: 'hunter2' })
    expect(lines).toHaveLength(1)
    expect(JSON.stringify(lines)).not.toContain('hunter2')
  })
})
