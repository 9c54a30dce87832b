import type { BusRecord } from '../../server/bus/port'
import { toStoredHeaders } from '../../server/bus/stored-headers'
import type { Prisma } from '../../server/db/client'
import { classify } from './classify'
import { decodeDlqRecord, type DecodedDlq } from './decoders'
import { FINGERPRINT_VERSION, fingerprintOf } from './fingerprint'
import { linkOf } from './link'

/**
 * One DLQ record → its `DeadLetter` row: decoded DLQ metadata, the error as people triage it,
 * the link to the transaction and the fingerprint. Pure: the indexer adds what needs the database
 * (known plants, the failed-again link) and the topic's retention.
 */

export type DeadLetterRow = Prisma.DeadLetterCreateManyInput & { decoded: DecodedDlq }

const clip = (s: string | undefined, max: number) => (s === undefined ? null : s.length > max ? s.slice(0, max) : s)

/** `shareGroupPrefix`: KIP-1191 share-group DLQ topics' prefix (DLQ_SHARE_GROUP_PREFIX); '' = none. */
export function deadLetterRow(record: BusRecord, shareGroupPrefix = ''): DeadLetterRow {
  const decoded = decodeDlqRecord(record.topic, record.headers, shareGroupPrefix)
  const error = classify(decoded)
  const link = linkOf(record, decoded.flow)
  const sourceOffset = decoded.sourceOffset
  return {
    decoded,
    topic: record.topic,
    partition: record.partition,
    offset: BigInt(record.offset),
    recordTimestamp: new Date(record.timestamp),
    key: record.key ? new Uint8Array(record.key) : null,
    value: record.value ? new Uint8Array(record.value) : null,
    headers: toStoredHeaders(record.headers),
    convention: decoded.convention,
    sourceTopic: decoded.sourceTopic ?? null,
    sourcePartition: decoded.sourcePartition ?? null,
    sourceOffset: sourceOffset ?? null,
    consumerGroup: clip(decoded.consumerGroup, 256),
    errorClass: clip(decoded.errorClass, 512),
    errorMessage: clip(error.message, 8000),
    stackTrace: clip(decoded.stackTrace, 64_000),
    attempts: decoded.attempts ?? null,
    correlationId: link.correlationId,
    originTime: link.originTime,
    plantCode: link.plantCode,
    flow: link.flow,
    errorCategory: error.category ?? null,
    errorCode: clip(error.code, 64),
    fingerprint: fingerprintOf({ category: error.category, code: error.code, errorClass: decoded.errorClass, message: error.message, flow: link.flow, sourceTopic: decoded.sourceTopic }),
    fingerprintVersion: FINGERPRINT_VERSION,
    businessKeys: link.businessKeys,
    ...sourceContext(decoded),
  }
}

/** The convention-specific context stored as fields (Connect's connector/task/stage/class, Streams' node). */
function sourceContext(d: DecodedDlq) {
  const ts = d.sourceTimestamp
  return {
    sourceTimestamp: ts !== undefined && Number.isFinite(ts) && ts >= 0 ? new Date(ts) : null,
    connector: clip(d.details.connector, 256),
    taskId: clip(d.details.task, 64),
    stage: clip(d.details.stage, 64),
    executingClass: clip(d.details.executingClass, 512),
    processorNode: clip(d.details.processorNode, 256),
  }
}
