import type { HandlerContext } from '../../server/bus/port'
import { StoppedError } from '../../server/retry'

const HEARTBEAT_MS = 3_000

/**
 * Waits for every promise, heartbeating meanwhile. Rejects as soon as the delivery is aborted, or
 * with the heartbeat's error: a failed heartbeat means the group is rebalancing, and the adapter
 * re-joins when the handler rejects with it (the delivery stays uncommitted).
 */
export async function settle(waits: Promise<unknown>[], ctx: HandlerContext, signal: AbortSignal): Promise<void> {
  if (waits.length === 0) return
  const all = Promise.all(waits)
  all.catch(() => undefined)
  let onAbort: (() => void) | undefined
  let heartbeat: NodeJS.Timeout | undefined
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StoppedError('telemetry delivery'))
    if (signal.aborted) onAbort()
    else signal.addEventListener('abort', onAbort, { once: true })
    heartbeat = setInterval(() => ctx.heartbeat().catch(reject), HEARTBEAT_MS)
  })
  interrupted.catch(() => undefined)
  try {
    await Promise.race([all, interrupted])
  } finally {
    clearInterval(heartbeat)
    signal.removeEventListener('abort', onAbort!)
  }
}
