import { sleep } from '../retry'
import type { BusConsumer } from './port'

/**
 * Waits until a consumer group has committed everything in its topics (lag 0) or `timeoutMs` has
 * passed, and says how many records it left uncommitted. Committed means durable (offsets follow
 * durable writes), so this is how a clean shutdown of the in-process bus — whose records live in
 * memory only — keeps what was produced before the stop.
 */
export async function drainConsumer(consumer: BusConsumer, timeoutMs: number, pollMs = 100): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = (await consumer.lag()).reduce((n, l) => n + l.lag, 0)
    if (left === 0 || Date.now() >= deadline) return left
    await sleep(Math.min(pollMs, Math.max(deadline - Date.now(), 0)))
  }
}
