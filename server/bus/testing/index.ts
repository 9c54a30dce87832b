import { randomBytes } from 'node:crypto'
import type { Config } from '../../config'
import { sleep } from '../../retry'

/** A topic (or group) name no other test uses: tests never see each other's records. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`
}

/** Config.kafka for a test broker (`inject('kafkaBrokers')`), plaintext, no SASL. */
export function kafkaTestConfig(brokers: string): Config['kafka'] {
  return { brokers: brokers.split(','), clientId: 'linetrace-test', groupId: uniqueTopic('linetrace-test'), ssl: false }
}

/**
 * Polls `probe` until it returns a value other than undefined. On timeout it fails naming what was
 * awaited and the last thing seen (`describe` renders it).
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 25, seen }: { timeoutMs?: number; intervalMs?: number; seen?: () => unknown } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; seen: ${JSON.stringify(seen())}` : ''}`)
    await sleep(intervalMs)
  }
}
