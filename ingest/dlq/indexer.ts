import { drainConsumer } from '../../server/bus/drain'
import type { BusBatch, BusConsumer, Transport } from '../../server/bus/port'
import { DEFAULT_DLQ_TOPICS } from '../../server/config'
import type { Ctx } from '../../server/context/ctx'
import { setDeadLetterState } from '../../server/services/dead-letters/state'
import { idempotencyKeyOf } from '../../server/services/replays/dead-letter-facts'
import { deadLetterHopEvents } from './hop'
import { refingerprintDeadLetters } from './refingerprint'
import { deadLetterRow, type DeadLetterRow } from './row'

/**
 * The DLQ indexer (DLQ-REPLAY.md "Reading dead letters"): consumes the configured DLQ topics (a
 * list, or a pattern that also picks up topics created later) and stores one `DeadLetter` row per
 * record, idempotent on (topic, partition, offset) (`skipDuplicates`), so re-consumption never
 * duplicates. The batch's offsets are committed only after its rows are in Postgres (the bus port
 * commits when the handler resolves). For each new row it also:
 * - links a transaction that dead-letters again after a replay: the new row's `previousId` is the
 *   replayed one, which moves to `failed_again` (audited);
 * - stamps `expiresAt` from the DLQ topic's retention, for the expiry warning;
 * - emits a `dead_lettered` hop on the telemetry topic so the trace shows where it is parked.
 */

export interface DlqIndexerDeps {
  /** The `worker:dlq-indexer` context: its principal is the audit log's actor. */
  ctx: Ctx
  transport: Transport
}

export interface DlqIndexerStatus {
  /** DLQ records handled (redeliveries and records stored before included). */
  seen: number
  /** Rows this process stored. */
  indexed: number
  lastError: string | null
}

export interface DlqIndexer {
  start(): Promise<void>
  /** Waits until every dead letter on the topics is stored and committed (or `timeoutMs`); the records left. */
  drain(timeoutMs: number): Promise<number>
  stop(): Promise<void>
  status(): DlqIndexerStatus
  /** One batch as the consumer hands it (tests drive it directly). */
  index(batch: Pick<BusBatch, 'records'>): Promise<number>
}

const PLANTS_TTL_MS = 60_000
const RETENTION_TTL_MS = 10 * 60_000

/**
 * Always a pattern subscription, so DLQ topics created after the start are read too (the bus looks
 * for new topics: the local bus at once, Kafka every 30 s). A configured list becomes an exact-name
 * pattern: a listed topic that does not exist yet is picked up once it does.
 */
export function dlqTopicPattern(configured: string[] | RegExp | undefined, shareGroupPrefix = ''): RegExp {
  const base = configured instanceof RegExp ? configured : !configured ? DEFAULT_DLQ_TOPICS : new RegExp(`^(${configured.map(escapeRegExp).join('|')})$`)
  // KIP-1191 share-group DLQ topics are read besides the configured ones, by their prefix.
  return shareGroupPrefix ? new RegExp(`(?:${base.source})|^${escapeRegExp(shareGroupPrefix)}`, base.flags) : base
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function createDlqIndexer(deps: DlqIndexerDeps): DlqIndexer {
  const { ctx, transport } = deps
  const { config, db: prisma } = ctx
  const log = ctx.logger.child({ component: 'dlq-indexer' })
  const state: DlqIndexerStatus = { seen: 0, indexed: 0, lastError: null }
  let consumer: BusConsumer | null = null
  let plants: { codes: Set<string>; at: number } | null = null
  const retention = new Map<string, { ms: number | null; at: number }>()

  async function knownPlants(codes: string[]): Promise<Set<string>> {
    const stale = !plants || Date.now() - plants.at > PLANTS_TTL_MS || codes.some((c) => !plants!.codes.has(c))
    if (stale) plants = { codes: new Set((await prisma.plant.findMany({ select: { code: true } })).map((p) => p.code)), at: Date.now() }
    return plants!.codes
  }

  async function retentionOf(topic: string): Promise<number | null> {
    const cached = retention.get(topic)
    if (cached && Date.now() - cached.at < RETENTION_TTL_MS) return cached.ms
    let ms: number | null = null
    try {
      ms = await transport.topicRetentionMs(topic)
    } catch (error) {
      log.warn({ err: error, topic }, 'could not read the DLQ topic retention; no expiry warning for its records')
    }
    retention.set(topic, { ms, at: Date.now() })
    return ms
  }

  async function index(batch: Pick<BusBatch, 'records'>): Promise<number> {
    if (!batch.records.length) return 0
    const rows = batch.records.map((r) => deadLetterRow(r, config.env.DLQ_SHARE_GROUP_PREFIX))
    const known = await knownPlants([...new Set(rows.flatMap((r) => (r.plantCode ? [r.plantCode] : [])))])
    for (const r of rows) {
      // An unknown plant code (a typo upstream, a plant not set up yet) must not block the DLQ.
      if (r.plantCode && !known.has(r.plantCode)) r.plantCode = null
      const ms = await retentionOf(r.topic)
      r.expiresAt = ms === null ? null : new Date((r.recordTimestamp as Date).getTime() + ms)
    }
    const fresh = await newRows(rows)
    if (!fresh.length) return 0
    const replayedBefore = await previousReplayed(fresh)
    await prisma.$transaction(async (tx) => {
      await tx.deadLetter.createMany({ data: fresh.map((row) => {
        const { decoded: _decoded, ...data } = row
        return { ...data, previousId: replayedBefore.get(row)?.id ?? null }
      }), skipDuplicates: true })
      for (const old of new Set([...replayedBefore.values()])) {
        await setDeadLetterState(
          { ...ctx, db: tx },
          {
            id: old.id,
            event: 'fail_again',
            audit: {
              action: 'dead_letter.fail_again',
              reason: 'Its transaction was dead-lettered again after the replay.',
              before: { status: 'replayed' },
              after: { status: 'failed_again' },
            },
          },
        )
      }
    })
    await emitHops(fresh)
    state.indexed += fresh.length
    return fresh.length
  }

  /** Rows not stored yet (a redelivered batch is mostly stored already). */
  async function newRows(rows: DeadLetterRow[]): Promise<DeadLetterRow[]> {
    // A consumer batch is one topic-partition: one `offset IN (…)` per partition.
    const byPartition = new Map<string, { topic: string; partition: number; offsets: bigint[] }>()
    for (const r of rows) {
      const k = `${r.topic}\u0000${r.partition}`
      const g = byPartition.get(k) ?? { topic: r.topic, partition: r.partition, offsets: [] }
      g.offsets.push(BigInt(r.offset))
      byPartition.set(k, g)
    }
    const existing = await prisma.deadLetter.findMany({
      where: { OR: [...byPartition.values()].map((g) => ({ topic: g.topic, partition: g.partition, offset: { in: g.offsets } })) },
      select: { topic: true, partition: true, offset: true },
    })
    const seen = new Set(existing.map((e) => `${e.topic}\u0000${e.partition}\u0000${e.offset}`))
    return rows.filter((r) => !seen.has(`${r.topic}\u0000${r.partition}\u0000${String(r.offset)}`))
  }

  /**
   * For each new row, the latest earlier dead letter of the same posting that was replayed: same
   * transaction and, when both carry one, the same idempotency key (a partial posting's re-posted
   * goods movement has its own key; its failure is not the confirmation failing again).
   */
  async function previousReplayed(rows: DeadLetterRow[]): Promise<Map<DeadLetterRow, { id: string }>> {
    const cids = [...new Set(rows.flatMap((r) => (r.correlationId ? [r.correlationId] : [])))]
    const out = new Map<DeadLetterRow, { id: string }>()
    if (!cids.length) return out
    const candidates = await prisma.deadLetter.findMany({
      where: { correlationId: { in: cids }, status: { in: ['replayed', 'resolved', 'failed_again'] } },
      select: { id: true, correlationId: true, recordTimestamp: true, value: true, headers: true },
      orderBy: { recordTimestamp: 'desc' },
    })
    const keyed = candidates.map((c) => ({ ...c, key: idempotencyKeyOf(c) }))
    for (const r of rows) {
      const key = idempotencyKeyOf({ value: r.value ?? null, headers: r.headers })
      const prev = keyed.find((c) => c.correlationId === r.correlationId && c.recordTimestamp <= (r.recordTimestamp as Date) && (!key || !c.key || key === c.key))
      if (prev) out.set(r, prev)
    }
    return out
  }

  async function emitHops(rows: DeadLetterRow[]): Promise<void> {
    const events = rows.flatMap(deadLetterHopEvents)
    if (!events.length) return
    try {
      await (await transport.producer()).send(
        config.env.TELEMETRY_TOPIC,
        events.map((e) => ({ key: e.correlation_id, value: JSON.stringify(e) })),
      )
    } catch (error) {
      // The rows are stored; only the trace hops are missing.
      log.warn({ err: error, events: events.length }, 'could not emit the dead_lettered hop events')
    }
  }

  return {
    index,
    status: () => ({ ...state }),
    async start() {
      if (consumer) return
      // Stored groups follow the current fingerprint scheme before new rows join them.
      await refingerprintDeadLetters(prisma, log)
      const topics = dlqTopicPattern(config.env.DLQ_TOPICS, config.env.DLQ_SHARE_GROUP_PREFIX)
      consumer = transport.consumer({ groupId: `${config.kafka.groupId}.dlq-indexer`, topics, fromBeginning: true })
      await consumer.run(async (batch) => {
        try {
          await index(batch)
          state.seen += batch.records.length
          state.lastError = null
        } catch (error) {
          state.lastError = (error as Error).message
          log.error({ err: error, topic: batch.topic, partition: batch.partition }, 'indexing a DLQ batch failed; it is delivered again')
          throw error
        }
      })
      log.info({ topics: topics.source }, 'DLQ indexer started')
    },
    async drain(timeoutMs) {
      return consumer ? drainConsumer(consumer, timeoutMs) : 0
    },
    async stop() {
      await consumer?.stop()
      consumer = null
    },
  }
}
