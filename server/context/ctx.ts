import type { ClickHouse } from '../clickhouse/client'
import type { Actor } from '../clickhouse/exec'
import type { Config } from '../config'
import type { PrismaClient } from '../db/client'
import type { Principal } from '../domain/permissions'
import { logger as rootLogger, type Logger } from '../logger'
import type { Runtime } from '../runtime'
import { resolveScope } from './scope'

/**
 * What every service function gets as its first argument: the stores, who is calling, the plants the
 * call may read, and where it came from. Built once at each edge (the tRPC middleware, the REST
 * handler wrapper, the worker), never by a service; services read `actor` for ClickHouse's
 * `log_comment` instead of naming routes themselves.
 */
export interface Ctx {
  db: PrismaClient
  ch: ClickHouse
  config: Config
  logger: Logger
  principal: Principal
  /** The known plants the call may read: the ones it names (each the caller's), else all of the caller's. */
  scope: readonly string[]
  /** What the ClickHouse exec seam tags each query with: the tag and the caller's label. */
  actor: Actor
  clientAddress: string | null
  /** Where the call came from, one spelling per edge: `trpc:traces.search`, `rest:v1.traces`, `worker:alerts`. */
  tag: string
}

/** The stores a context is built on. */
export interface Stores {
  db: PrismaClient
  ch: ClickHouse
  config: Config
  logger?: Logger
}

export function storesOf(runtime: Pick<Runtime, 'db' | 'clickhouse' | 'config'>): Stores {
  return { db: runtime.db.prisma, ch: runtime.clickhouse, config: runtime.config }
}

export interface Caller {
  tag: string
  principal: Principal
  scope: readonly string[]
  clientAddress: string | null
}

export function buildCtx(stores: Stores, caller: Caller): Ctx {
  return {
    db: stores.db,
    ch: stores.ch,
    config: stores.config,
    logger: (stores.logger ?? rootLogger).child({ tag: caller.tag }),
    principal: caller.principal,
    scope: caller.scope,
    actor: { route: caller.tag, user: caller.principal.label },
    clientAddress: caller.clientAddress,
    tag: caller.tag,
  }
}

/** The worker's job kinds: each runs with its own context (tag `worker:<job>`, principal `system:<job>`). */
export type WorkerJob = 'replay-executor' | 'replay-resolver' | 'dlq-indexer' | 'alerts'

/** The worker acts for no person: a system principal that sees every plant, named in the audit log. */
export function systemPrincipal(job: WorkerJob): Principal {
  return { kind: 'system', userId: null, label: `system:${job}`, role: 'admin', plants: 'all' }
}

/** A worker job's context; its scope is every plant known when the job starts (no job narrows by plant). */
export async function workerCtx(stores: Stores, job: WorkerJob): Promise<Ctx> {
  const principal = systemPrincipal(job)
  return buildCtx(stores, { tag: `worker:${job}`, principal, scope: await resolveScope(stores.db, principal, []), clientAddress: null })
}
