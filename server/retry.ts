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

/** The work was given up because its owner is stopping (`signal` aborted): not a failure of the work itself. */
export class StoppedError extends Error {
  override readonly name = 'StoppedError'
  constructor(what: string) {
    super(`${what}: stopping`)
  }
}

export interface RetryOptions {
  backoff: Backoff
  /** Aborting gives up: no further attempt, the call rejects with StoppedError. */
  signal?: AbortSignal
  /** Attempts in all before the last error is rethrown. Default: no limit (retry until done or stopped). */
  attempts?: number
  /** Whether an error is worth another attempt; any other is rethrown at once. Default: every error is. */
  retryable?(error: unknown): boolean
  /** Called after every failed attempt that will be retried, before waiting. */
  onError?(error: unknown, attempt: number, delayMs: number): void
}

/** Calls `fn` until it resolves, waiting backoffDelay() after each failure. */
export async function retry<T>(what: string, fn: () => Promise<T>, opts: RetryOptions): Promise<T> {
  const { signal, attempts = Infinity } = opts
  for (let attempt = 1; ; attempt++) {
    if (signal?.aborted) throw new StoppedError(what)
    try {
      return await fn()
    } catch (error) {
      if (signal?.aborted) throw new StoppedError(what)
      if (attempt >= attempts || opts.retryable?.(error) === false) throw error
      const delayMs = backoffDelay(attempt, opts.backoff)
      opts.onError?.(error, attempt, delayMs)
      await sleep(delayMs, signal)
    }
  }
}
