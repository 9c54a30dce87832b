import { randomBytes, randomUUID } from 'node:crypto'
import type { ClickHouse } from '../../clickhouse/client'
import { chInsert } from '../../clickhouse/exec'
import { toStoredHeaders } from '../../bus/stored-headers'
import type { DeadLetter, DeadLetterStatus, PrismaClient } from '../../db/client'

/**
 * Test data for replay tests (not for production code). Dead letters are built the way each DLQ
 * convention writes them, with the exact encodings done here by hand (Spring's big-endian binary
 * integers, Connect's text, the hub's x-dlq-* text), then stored as the indexer stores them.
 */

export type Convention = 'spring' | 'connect' | 'hub'

export const rid = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`

/** A plant of this test only, so ClickHouse reads never see another test's rows. */
export async function insertUniquePlant(prisma: PrismaClient, opts: { approval?: boolean } = {}): Promise<string> {
  const code = `T${randomBytes(4).toString('hex').toUpperCase()}`
  await prisma.plant.create({ data: { code, name: `Test ${code}`, timeZone: 'Europe/Berlin', shiftCalendar: [], replayApprovalRequired: opts.approval ?? false } })
  return code
}

/** A valid ProductionConfirmation (server/domain/flow-messages.ts). */
export function makeConfirmation(opts: { plant: string; correlationId: string; idempotencyKey: string; workOrder: string; origin: Date; line?: string }) {
  return {
    message_type: 'ProductionConfirmation',
    message_id: randomUUID(),
    correlation_id: opts.correlationId,
    idempotency_key: opts.idempotencyKey,
    plant: opts.plant,
    flow: 'production_confirmation',
    origin_time: opts.origin.toISOString(),
    sent_at: new Date(opts.origin.getTime() + 1500).toISOString(),
    source: { system: 'MES', instance: `mes-${opts.plant}` },
    user: 'MES_RFC',
    line: opts.line ?? 'L01',
    work_order: opts.workOrder,
    operation: '0010',
    material: 'FG1001',
    lot: `LOT${randomBytes(3).toString('hex')}`,
    yield: 12,
    scrap: 0,
    uom: 'PC',
    posting_date: opts.origin.toISOString().slice(0, 10),
    final: false,
    components: [{ material: 'RM2001', batch: 'B1', quantity: 24, uom: 'PC', storage_location: '1002' }],
  }
}

const text = (s: string) => Buffer.from(s, 'utf8')
function int32(n: number) {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}
function int64(n: bigint) {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

export interface SourceRecord {
  topic: string
  partition: number
  offset: bigint
  timestamp: Date
}

/** The context headers each convention adds; one failure repeated (the last is the latest). */
export function makeDlqHeaders(convention: Convention, src: SourceRecord, error: { code: string; text: string }): [string, Buffer][] {
  switch (convention) {
    case 'spring':
      return [
        ['kafka_dlt-original-topic', text(src.topic)],
        ['kafka_dlt-original-partition', int32(src.partition)],
        ['kafka_dlt-original-offset', int64(src.offset)],
        ['kafka_dlt-original-timestamp', int64(BigInt(src.timestamp.getTime()))],
        ['kafka_dlt-original-timestamp-type', text('CreateTime')],
        ['kafka_dlt-original-consumer-group', text('erp-posting')],
        ['kafka_dlt-exception-fqcn', text('org.springframework.kafka.listener.ListenerExecutionFailedException')],
        ['kafka_dlt-exception-message', text(`${error.code} first failure`)],
        ['kafka_dlt-exception-message', text(`${error.code} ${error.text}`)],
        ['kafka_dlt-exception-stacktrace', text('com.sap.conn.jco.AbapException: ...\n\tat Hub.post(Hub.java:42)')],
      ]
    case 'connect':
      return [
        ['__connect.errors.topic', text(src.topic)],
        ['__connect.errors.partition', text(String(src.partition))],
        ['__connect.errors.offset', text(String(src.offset))],
        ['__connect.errors.connector.name', text('erp-sink')],
        ['__connect.errors.task.id', text('0')],
        ['__connect.errors.stage', text('TASK_PUT')],
        ['__connect.errors.exception.class.name', text('org.apache.kafka.connect.errors.ConnectException')],
        ['__connect.errors.exception.message', text(`${error.code} ${error.text}`)],
      ]
    case 'hub':
      return [
        ['x-dlq-original-topic', text(src.topic)],
        ['x-dlq-original-partition', text(String(src.partition))],
        ['x-dlq-original-offset', text(String(src.offset))],
        ['x-dlq-original-timestamp', text(src.timestamp.toISOString())],
        ['x-dlq-consumer-group', text('lt.sim.hub')],
        ['x-dlq-reason', text('permanent')],
        ['x-dlq-error-code', text(error.code)],
        ['x-dlq-error-text', text(error.text)],
      ]
  }
}

export interface DeadLetterFixture {
  plant: string | null
  convention?: Convention
  status?: DeadLetterStatus
  sourceTopic?: string | null
  consumerGroup?: string | null
  correlationId?: string
  originTime?: Date
  failedAt?: Date
  workOrder?: string
  idempotencyKey?: string
  /** null = a record without a key. */
  key?: Buffer | null
  errorCode?: string
  /** Overrides the value (default: a valid makeConfirmation). */
  value?: Buffer | null
}

const bytes = (b: Buffer | null) => (b === null ? null : new Uint8Array(b))

export interface DeadLetterBuilt {
  row: DeadLetter
  /** The business headers as produced originally, in order (what a replay must carry again). */
  business: [string, Buffer][]
  dlq: [string, Buffer][]
  traceparent: string
}

/** A dead letter as the indexer would store it (part A decodes; here the columns are set directly). */
export async function insertDeadLetter(prisma: PrismaClient, f: DeadLetterFixture): Promise<DeadLetterBuilt> {
  const convention = f.convention ?? 'spring'
  const correlationId = f.correlationId ?? rid('cid')
  const idempotencyKey = f.idempotencyKey ?? `idem-${correlationId}`
  const origin = f.originTime ?? new Date(Date.now() - 10 * 60_000)
  const failedAt = f.failedAt ?? new Date(origin.getTime() + 30_000)
  const workOrder = f.workOrder ?? String(100_000_000_000 + Math.floor(Math.random() * 899_999_999_999))
  const sourceTopic = f.sourceTopic === undefined ? rid('lt.hub.src') : f.sourceTopic
  const errorCode = f.errorCode ?? 'M7/053'
  const message = makeConfirmation({ plant: f.plant ?? 'X', correlationId, idempotencyKey, workOrder, origin })
  const traceId = randomBytes(16).toString('hex')
  const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`
  const business: [string, Buffer][] = [
    ['content-type', text('application/json')],
    ['correlation_id', text(correlationId)],
    ['idempotency_key', text(idempotencyKey)],
    ['traceparent', text(traceparent)],
    ['x-flow', text('production_confirmation')],
    ['x-tag', text('first')],
    ['x-binary', Buffer.from([0x00, 0xff, 0x10, 0x80])],
    ['x-tag', text('second')],
  ]
  const src: SourceRecord = { topic: sourceTopic ?? 'unknown', partition: 1, offset: BigInt(Math.floor(Math.random() * 1e9)), timestamp: origin }
  const dlq = makeDlqHeaders(convention, src, { code: errorCode, text: 'Posting only possible in periods 2026/11 and 2026/10' })
  const headers: Record<string, Buffer[]> = {}
  for (const [k, v] of [...business, ...dlq]) (headers[k] ??= []).push(v)
  // Stored in record order: business headers first, then the DLQ context (toStoredHeaders keeps per-key order).
  const stored = toStoredHeaders(headers)
  const row = await prisma.deadLetter.create({
    data: {
      topic: `${sourceTopic ?? 'unknown'}-dlt`,
      partition: 1,
      offset: BigInt(Math.floor(Math.random() * 1e12)),
      recordTimestamp: failedAt,
      key: bytes(f.key === undefined ? Buffer.from(correlationId) : f.key),
      value: bytes(f.value === undefined ? Buffer.from(JSON.stringify(message)) : f.value),
      headers: stored,
      convention,
      sourceTopic,
      sourcePartition: sourceTopic ? src.partition : null,
      sourceOffset: sourceTopic ? src.offset : null,
      consumerGroup: f.consumerGroup === undefined ? 'erp-posting' : f.consumerGroup,
      errorClass: 'com.sap.conn.jco.AbapException',
      errorMessage: 'Posting only possible in periods 2026/11 and 2026/10',
      correlationId,
      originTime: origin,
      plantCode: f.plant,
      flow: 'production_confirmation',
      errorCategory: 'permanent',
      errorCode,
      fingerprint: `fp-${errorCode}`,
      businessKeys: { work_order: workOrder, lot: message.lot, material: message.material },
      status: f.status ?? 'new',
    },
  })
  return { row, business, dlq, traceparent }
}

export interface HopFixture {
  /** Default: a random UUID. */
  event_id?: string
  correlation_id: string
  plant: string
  origin_time: Date
  occurred_at: Date
  event_type: string
  flow?: string
  hop?: string
  status?: string
  idempotency_key?: string
  work_order?: string
  lot?: string
  line?: string
  erp_document?: string
  replay_id?: string
  attributes?: Record<string, string>
}

/** Hop events straight into hop_events (the materialized views fill txn_keys and the rollups). */
export async function insertHops(ch: ClickHouse, hops: readonly HopFixture[]): Promise<void> {
  await chInsert(ch, {
    table: 'hop_events',
    rows: hops.map((h) => ({
      event_id: h.event_id ?? randomUUID(),
      event_type: h.event_type,
      occurred_at: h.occurred_at.toISOString(),
      origin_time: h.origin_time.toISOString(),
      correlation_id: h.correlation_id,
      idempotency_key: h.idempotency_key ?? '',
      flow: h.flow ?? 'production_confirmation',
      hop: h.hop ?? (h.event_type.startsWith('erp.') ? 'erp' : 'hub'),
      status: h.status ?? 'ok',
      plant: h.plant,
      line: h.line ?? '',
      work_order: h.work_order ?? '',
      lot: h.lot ?? '',
      erp_document: h.erp_document ?? '',
      replay_id: h.replay_id ?? '',
      attributes: h.attributes ?? {},
    })),
  })
}
