/**
 * Retrying with capped exponential backoff, the one way for the whole code base: the transports'
 * redelivery of a rejected batch, the Kafka admin calls kafkajs does not retry, the telemetry
 * pipeline's writes (retried until they succeed or the pipeline stops) and the alert sender's
 * next attempt. Each caller keeps its own delays.
 */

export interface Backoff {
  /** Delay after the first failure; it doubles per failure up to maxMs. */
  initialMs: number
  maxMs: number
}

/** The delay after `failures` consecutive failures (1 = the first). */
export function backoffDelay(failures: number, backoff: Backoff): number {
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(Math.max(failures - 1, 0), 30))
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects: callers check their state). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (!signal) return new Promise((resolve) => setTimeout(resolve, ms))
  if (signal.aborted) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done)
  })
}
