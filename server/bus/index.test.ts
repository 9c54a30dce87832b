import { afterEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../config'
import { closeTransport, createTransport, getTransport } from './index'

describe('transport selection', () => {
  afterEach(() => closeTransport())

  it('uses Kafka when KAFKA_BROKERS is set, else the in-process bus', async () => {
    expect(createTransport(loadConfig({})).kind).toBe('local')
    const kafka = createTransport(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9' })) // connects on first use only
    expect(kafka.kind).toBe('kafka')
    await kafka.close()
  })

  it('keeps one transport per process on globalThis until closeTransport()', async () => {
    const first = getTransport(loadConfig({}))
    expect(getTransport(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9' }))).toBe(first)
    expect((globalThis as unknown as Record<symbol, unknown>)[Symbol.for('linetrace.transport')]).toBe(first)
    await first.ensureTopics([{ name: 't', partitions: 1 }])
    await closeTransport()
    await expect(first.producer()).rejects.toThrow(/closed/)
    expect(getTransport(loadConfig({}))).not.toBe(first)
  })
})
