import type { BusProducer, ProducedRecord, Transport } from '../../server/bus/port'
import type { Ctx } from '../../server/context/ctx'
import type { Prisma } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import type { ReplayRecord } from './record'

/** What the executor's parts (lease.ts, send.ts, outcome.ts) share: one per executor. */
export interface Runner {
  /** The `worker:replay-executor` context. */
  ctx: Ctx
  transport: Transport
  workerId: string
  /** How long a claim lasts without renewal. */
  leaseMs: number
  log: Logger
  signal: AbortSignal
  state: ReplayExecutorStatus
  /** The one producer of this executor, opened on first use (and again after a failed open). */
  producer(): Promise<BusProducer>
  /** The topic list, cached: it changes rarely, and one metadata call per batch at 2,000 records/s would not do. */
  topics: { at: number; names: Set<string> }
}

export interface ReplayExecutorStatus {
  workerId: string
  jobId: string | null
  produced: number
  lastError: string | null
}

export type Item = Prisma.ReplayItemGetPayload<{ include: { deadLetter: true } }>
export type Job = Prisma.ReplayJobGetPayload<object>

/** An item the transport placed: where, when, and the record as built. */
export interface Produced {
  item: Item
  at: ProducedRecord
  producedAt: Date
  built: ReplayRecord
}

/** Prisma's default (5 s) is too tight for a busy database; the lease is what bounds a batch. */
export const TX = { timeout: 30_000, maxWait: 30_000 }
