import type { HopError } from '../../server/domain/hop-event'
import type { PostingMessage } from '../../server/domain/flow-messages'
import { iso, sscc } from '../ids'
import { dependencyKey } from '../world'
import { emitAt, settle, type HubCore, type Txn } from './core'
import { deadLetter } from './dead-letter'
import { backflushMovement, movementTypeOf, postedQuantity, requestOf, scopeOf } from './mapping'

/**
 * Posting to the simulated ERP (hub.ts describes the behaviour): the idempotency look-up before
 * a replay or after an unknown outcome, the outcome's hops, retries with back-off, waits on a
 * dependency key, and the putaway after a posted production confirmation.
 */

export const MAX_ATTEMPTS = 4
export const BACKOFF_MS = [30_000, 120_000, 300_000] as const
/** How long a posting waits for its dependency before it is dead-lettered. */
export const DEPENDENCY_BOUND_MS = 10 * 60_000
/** Between transfers, a waiting posting asks ERP for stock this often (a goods receipt also helps). */
const RECHECK_MS = 2 * 60_000

export function post(hub: HubCore, tx: Txn, t: number): void {
  const msg = tx.msg as PostingMessage
  const key = msg.idempotency_key
  if ((tx.replay && tx.attempt === 0) || tx.unknownOutcome) {
    // Idempotency check before posting what may already be posted (a replay, or an unknown outcome).
    const found = hub.deps.erp.lookup(key)
    const at = t + tx.rng.int(60, 400)
    if (found) {
      hub.stats.reconciled++
      tx.attempt++
      emitAt(hub, tx, {
        type: 'erp.posting_succeeded',
        hop: 'erp',
        system: 'erp',
        status: 'ok',
        at,
        attempt: tx.attempt,
        latencyMs: at - t,
        business: { ...postedQuantity(msg), erp_document: found.document },
        attributes: { reconciled: 'true', reconciled_via: 'idempotency_key_lookup', original_posted_at: iso(found.postedAt) },
      })
      // A replay of something already posted changes nothing downstream; a 504 that did post still needs its putaway.
      afterPosted(hub, tx, at, !tx.replay)
      settle(hub, tx, at)
      return
    }
    tx.unknownOutcome = false
    t = at
  }
  tx.attempt++
  hub.stats.postingRequests++
  emitAt(hub, tx, {
    type: 'erp.posting_requested',
    hop: 'erp',
    system: 'erp',
    status: 'ok',
    at: t,
    attempt: tx.attempt,
    attributes: { interface: msg.message_type === 'ProductionConfirmation' ? 'BAPI_PRODORDCONF_CREATE_TT' : 'BAPI_GOODSMVT_CREATE', movement_type: movementTypeOf(msg) },
  })
  const response = hub.deps.erp.post(requestOf(msg, tx.plant, tx.replay !== undefined), t, tx.attempt, tx.rng)
  hub.deps.sched.at(t + response.latencyMs, (end) => {
    const latencyMs = end - t
    switch (response.kind) {
      case 'posted':
      case 'duplicate': {
        const reconciled = response.kind === 'duplicate'
        if (reconciled) hub.stats.reconciled++
        else hub.stats.posted++
        emitAt(hub, tx, {
          type: 'erp.posting_succeeded',
          hop: 'erp',
          system: 'erp',
          status: 'ok',
          at: end,
          attempt: tx.attempt,
          latencyMs,
          business: { ...postedQuantity(msg), erp_document: response.document },
          attributes: reconciled ? { reconciled: 'true', reconciled_via: 'erp_duplicate_check' } : scopeOf(msg),
        })
        afterPosted(hub, tx, end, !reconciled)
        settle(hub, tx, end)
        return
      }
      case 'partial': {
        hub.stats.partial++
        emitAt(hub, tx, {
          type: 'erp.posting_partially_succeeded',
          hop: 'erp',
          system: 'erp',
          status: 'partial',
          at: end,
          attempt: tx.attempt,
          latencyMs,
          error: response.error,
          business: { ...postedQuantity(msg), erp_document: response.document },
          attributes: { failed_movements: '1', failed_material: response.failed.material, confirmation_document: response.document },
        })
        afterPosted(hub, tx, end, true)
        const movement = backflushMovement(msg as Extract<PostingMessage, { message_type: 'ProductionConfirmation' }>, response.failed, response.document, end, tx.plant)
        tx.firstFailedAt = end
        deadLetter(hub, tx, end + tx.rng.int(5, 50), response.error, 'partial', movement)
        return
      }
      case 'failed':
        onFailure(hub, tx, response.error, end, latencyMs)
    }
  })
}

function afterPosted(hub: HubCore, tx: Txn, t: number, downstream: boolean): void {
  const msg = tx.msg as PostingMessage
  if (msg.message_type === 'GoodsMovement' && msg.movement_type === '311')
    released(hub, dependencyKey(msg.material, tx.plant.code, msg.to_storage_location ?? tx.plant.slocs.supply, msg.batch), t)
  if (msg.message_type !== 'ProductionConfirmation' || !downstream || msg.yield <= 0) return
  // Putaway of the produced lot, reported by the warehouse once ERP booked the goods receipt.
  const at = t + tx.rng.int(10_000, 120_000)
  const finished = tx.plant.materials.get(msg.material)?.kind === 'FERT'
  emitAt(hub, tx, {
    type: 'inventory.transfer_posted',
    hop: 'wms',
    system: 'wms',
    status: 'ok',
    at,
    latencyMs: at - t,
    storageLocation: finished ? tx.plant.slocs.finished : tx.plant.slocs.supply,
    business: { handling_unit: sscc(tx.plant.gs1Prefix, tx.rng.int(0, 999_999_999)), quantity: { good: msg.yield, uom: msg.uom } },
    attributes: { movement: 'putaway', warehouse_task: tx.rng.digits(10) },
  })
}

function onFailure(hub: HubCore, tx: Txn, error: HopError, t: number, latencyMs: number): void {
  hub.stats.failedAttempts++
  tx.lastError = error
  tx.firstFailedAt ??= t
  emitAt(hub, tx, { type: 'erp.posting_failed', hop: 'erp', system: 'erp', status: 'error', at: t, attempt: tx.attempt, latencyMs, error })
  const next = t + tx.rng.int(2, 20)
  if (error.category === 'transient') {
    if (tx.attempt >= MAX_ATTEMPTS) return deadLetter(hub, tx, next, error, 'retries_exhausted')
    const delay: number = BACKOFF_MS[Math.min(tx.attempt, BACKOFF_MS.length) - 1]!
    if (error.http_status === 504) tx.unknownOutcome = true
    retryScheduled(hub, tx, next, { trigger: 'transient', retry_in_ms: String(delay), retry_at: iso(next + delay), error_code: error.code })
    hub.deps.sched.at(next + delay, (tt) => post(hub, tx, tt))
    return
  }
  if (error.category === 'dependency' && error.dependency_key) return waitOn(hub, tx, error.dependency_key, next)
  deadLetter(hub, tx, next, error, 'permanent')
}

/** The hub's `erp.retry_scheduled` hop: why it retries (`trigger`) and when, on top of the next attempt number. */
function retryScheduled(hub: HubCore, tx: Txn, at: number, attributes: Record<string, string>): void {
  hub.stats.retriesScheduled++
  emitAt(hub, tx, {
    type: 'erp.retry_scheduled',
    hop: 'hub',
    system: 'hub',
    status: 'retrying',
    at,
    attempt: tx.attempt,
    attributes: { ...attributes, next_attempt: String(tx.attempt + 1) },
  })
}

function waitOn(hub: HubCore, tx: Txn, key: string, t: number): void {
  if (!tx.wait) {
    tx.wait = { key, deadline: t + DEPENDENCY_BOUND_MS }
    retryScheduled(hub, tx, t, { trigger: 'dependency', dependency_key: key, wait_until: iso(t + DEPENDENCY_BOUND_MS) })
  } else tx.wait.key = key
  let set = hub.waiters.get(key)
  if (!set) hub.waiters.set(key, (set = new Set()))
  if (!set.has(tx)) hub.stats.waiting++
  set.add(tx)
  const token = ++tx.waitToken
  hub.deps.sched.at(Math.min(t + RECHECK_MS, tx.wait.deadline), (tt) => recheck(hub, tx, token, tt))
}

function recheck(hub: HubCore, tx: Txn, token: number, t: number): void {
  if (tx.waitToken !== token || !tx.wait) return
  const { key, deadline } = tx.wait
  if (hub.deps.world.stockAvailable(key, t)) {
    unwait(hub, tx)
    post(hub, tx, t + tx.rng.int(200, 2_000))
  } else if (t >= deadline) {
    unwait(hub, tx)
    const last = tx.lastError!
    deadLetter(hub, tx, t, { ...last, text: `${last.text} (no stock within ${DEPENDENCY_BOUND_MS / 60_000} min)` }, 'dependency_timeout')
  } else {
    const next = ++tx.waitToken
    hub.deps.sched.at(Math.min(t + RECHECK_MS, deadline), (tt) => recheck(hub, tx, next, tt))
  }
}

function unwait(hub: HubCore, tx: Txn): void {
  if (!tx.wait) return
  if (hub.waiters.get(tx.wait.key)?.delete(tx)) hub.stats.waiting--
  tx.waitToken++
}

/** A transfer posted for `key`: every posting waiting on it tries again. */
function released(hub: HubCore, key: string, t: number): void {
  hub.deps.world.resolveDeficit(key, t)
  const set = hub.waiters.get(key)
  if (!set) return
  hub.waiters.delete(key)
  for (const tx of set) {
    hub.stats.waiting--
    tx.waitToken++
    const at = t + tx.rng.int(500, 3_000)
    hub.deps.sched.at(at, (tt) => post(hub, tx, tt))
  }
}
