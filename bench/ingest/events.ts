import type { HopEventInput } from '../../server/domain/hop-event'
import { BENCH_BASE_MS } from '../bench-day'

/** Flow A's hops (machine count to WMS transfer), in order: the shape of every generated transaction. */
export const FLOW_A = [
  ['shopfloor.production_counted', 'machine'],
  ['production.operation_confirmed', 'mes'],
  ['integration.message_received', 'hub'],
  ['integration.validated', 'hub'],
  ['integration.transformed', 'hub'],
  ['erp.posting_requested', 'erp'],
  ['erp.posting_succeeded', 'erp'],
  ['inventory.transfer_posted', 'wms'],
] as const
const PLANTS = ['1000', '1100', '2000', '2100', '3000']

/**
 * Realistic hop events for the benchmark (about 700 bytes of JSON each): flow-A transactions of
 * eight hops across five plants and eight lines over yesterday (BENCH_BASE_MS), deterministic for a given index.
 */
export function benchEvent(i: number, base = BENCH_BASE_MS): HopEventInput {
  const txn = Math.floor(i / FLOW_A.length)
  const [eventType, hop] = FLOW_A[i % FLOW_A.length]!
  const origin = base + (txn % 86_400) * 1000
  const plant = PLANTS[txn % PLANTS.length]!
  return {
    event_id: `bench-${i.toString(36).padStart(8, '0')}`,
    event_type: eventType,
    occurred_at: new Date(origin + (i % FLOW_A.length) * 650).toISOString(),
    origin_time: new Date(origin).toISOString(),
    correlation_id: `bench-txn-${txn}`,
    idempotency_key: `PC-${plant}-${txn}`,
    flow: 'production_confirmation',
    hop,
    status: 'ok',
    plant,
    line: `L${(txn % 8) + 1}`,
    work_center: `WC-${(txn % 8) + 1}0`,
    source: { system: hop.toUpperCase(), instance: `${hop}-${plant}` },
    business: {
      work_order: String(155000000000 + txn),
      operation: '0010',
      material: `MAT-${txn % 500}`,
      lot: String(74000 + (txn % 9000)).padStart(10, '0'),
      quantity: { good: 40, scrap: txn % 3, uom: 'PC' },
      ...(eventType === 'erp.posting_succeeded' ? { erp_document: String(4900000000 + txn) } : {}),
    },
    latency_ms: 200 + (i % 900),
    attempt: hop === 'erp' ? 1 : undefined,
    attributes: { shift: ['Early', 'Late', 'Night'][txn % 3]! },
    payload: { order: String(155000000000 + txn), yield: 40, scrap: txn % 3, uom: 'PC' },
  }
}

/** Event `i` as an emitter puts it on the telemetry topic: JSON, keyed by its transaction. */
export function benchRecord(i: number): { key: string; value: string } {
  const event = benchEvent(i)
  return { key: event.correlation_id, value: JSON.stringify(event) }
}

/** The attribute that carries a freshness record's produce time (producer's clock, epoch ms). */
export const PRODUCED_MS_ATTRIBUTE = 'bench_produced_ms'

/**
 * Event `i` stamped with the time its producer hands it to Kafka: the row keeps it in `attributes`,
 * so the freshness phase reads each row's produce time back from hop_events itself.
 */
export function freshnessRecord(i: number, producedMs: number): { key: string; value: string } {
  const event = benchEvent(i)
  event.attributes = { ...event.attributes, [PRODUCED_MS_ATTRIBUTE]: String(producedMs) }
  return { key: event.correlation_id, value: JSON.stringify(event) }
}
