import type { BusRecord, OutgoingRecord } from '../../server/bus/port'
import type { FieldError } from './decode'
import { headersSize } from './headers'

/**
 * The dead-letter record of an invalid telemetry record: original key, value and headers, plus
 * headers naming the reason, the validation errors and the original coordinates, so the DLQ
 * indexer (and a person) can tell what was wrong and where it came from. Values are decimal text.
 */

export const DLQ_HEADERS = {
  reason: 'x-lt-dlq-reason',
  errors: 'x-lt-dlq-errors',
  originalTopic: 'x-lt-original-topic',
  originalPartition: 'x-lt-original-partition',
  originalOffset: 'x-lt-original-offset',
  originalTimestamp: 'x-lt-original-timestamp',
  /** Set when the value was cut to fit a Kafka record: the original size in bytes. */
  valueTruncated: 'x-lt-dlq-value-truncated',
  /** Set when the original headers were left out because they alone were too big. */
  headersDropped: 'x-lt-dlq-headers-dropped',
} as const

/**
 * Kept of an oversized value: below the 1 MiB default record limit with room for key and headers.
 * A DLQ record the bus refuses would be retried forever and stall the partition.
 */
export const DLQ_MAX_VALUE_BYTES = 900 * 1024
const DLQ_MAX_ORIGINAL_HEADER_BYTES = 64 * 1024
const DLQ_MAX_ERRORS_BYTES = 16 * 1024

/**
 * `value` replaces the record's value when only a part of it is dead (one span of an OTLP request:
 * the span as JSON); the coordinates still name the whole record.
 */
export function toDlqRecord(record: BusRecord, reason: string, errors: FieldError[], value: Buffer | null = record.value): OutgoingRecord {
  const headers: NonNullable<OutgoingRecord['headers']> = {}
  const originalHeaderBytes = headersSize(record.headers)
  if (originalHeaderBytes <= DLQ_MAX_ORIGINAL_HEADER_BYTES) Object.assign(headers, record.headers)
  else headers[DLQ_HEADERS.headersDropped] = String(originalHeaderBytes)

  if (value !== null && value.length > DLQ_MAX_VALUE_BYTES) {
    headers[DLQ_HEADERS.valueTruncated] = String(value.length)
    value = value.subarray(0, DLQ_MAX_VALUE_BYTES)
  }
  headers[DLQ_HEADERS.reason] = reason
  headers[DLQ_HEADERS.errors] = errorsJson(errors)
  headers[DLQ_HEADERS.originalTopic] = record.topic
  headers[DLQ_HEADERS.originalPartition] = String(record.partition)
  headers[DLQ_HEADERS.originalOffset] = record.offset
  headers[DLQ_HEADERS.originalTimestamp] = String(record.timestamp)
  return { key: record.key, value, headers }
}

/** As many errors as fit in a sane header; the first ones name the problem. */
function errorsJson(errors: FieldError[]): string {
  const cut = errors.map((e) => ({ path: e.path.slice(0, 256), message: e.message.slice(0, 512) }))
  let n = cut.length
  let json = JSON.stringify(cut)
  while (json.length > DLQ_MAX_ERRORS_BYTES && n > 1) {
    n = Math.ceil(n / 2)
    json = JSON.stringify(cut.slice(0, n))
  }
  return json
}
