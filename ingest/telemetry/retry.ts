/**
 * Retry an operation until it succeeds, with capped exponential backoff. The pipeline never skips
 * a write it cannot make (that would commit offsets of unwritten records): it waits for the store
 * to come back, and gives up only when the pipeline stops (`signal`).
 */

export interface Backoff {
  initialMs: number
  maxMs: number
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 500, maxMs: 30_000 }

export class StoppedError extends Error {
  override readonly name = 'StoppedError'
  constructor(what: string) {
    super(`${what}: the ingest pipeline is stopping`)
  }
}

export async function retryUntilDone<T>(
  what: string,
  fn: () => Promise<T>,
  opts: {
    signal: AbortSignal
    backoff?: Backoff
    /** Called after every failed attempt, before waiting. */
    onError(error: unknown, attempt: number, delayMs: number): void
  },
): Promise<T> {
  const { initialMs, maxMs } = opts.backoff ?? DEFAULT_BACKOFF
  for (let attempt = 1; ; attempt++) {
    if (opts.signal.aborted) throw new StoppedError(what)
    try {
      return await fn()
    } catch (error) {
      if (opts.signal.aborted) throw new StoppedError(what)
      const delayMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30))
      opts.onError(error, attempt, delayMs)
      await sleep(delayMs, opts.signal)
    }
  }
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
