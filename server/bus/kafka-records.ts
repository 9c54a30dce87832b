import type { KafkaMessage, Message } from 'kafkajs'
import type { BusRecord, OutgoingRecord } from './port'
import { toHeaders } from './record-headers'

/** Records between the port's shape and kafkajs'. */

export function toRecord(topic: string, partition: number, m: KafkaMessage): BusRecord {
  return { topic, partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, headers: toHeaders(m.headers), timestamp: Number(m.timestamp) }
}

export function toMessage(r: OutgoingRecord): Message {
  return { key: r.key ?? null, value: r.value, headers: r.headers, partition: r.partition, timestamp: r.timestamp === undefined ? undefined : String(r.timestamp) }
}
