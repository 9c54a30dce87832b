import type { BusRecord, OutgoingRecord } from '../../server/bus/port'
import { tapDefinitionSchema, type TapDefinition } from '../../server/domain/taps'
import { BENCH_BASE_MS } from '../bench-day'

/**
 * The benchmark's plant: MES production confirmations as a plant's MES publishes them (business
 * JSON, no Linetrace fields), and the tap that maps them: six paths read from the record, the
 * rest constants, plus one JSONata expression (the quantity scrap, computed).
 */

export const BENCH_TOPIC = 'plant3000.mes.confirmations'
const BASE = BENCH_BASE_MS

export function benchTap(): TapDefinition {
  return tapDefinitionSchema.parse({
    name: 'bench-mes',
    topic: BENCH_TOPIC,
    mapping: {
      correlation_id: 'MES_CONF_ID',
      event_type: { value: 'production.operation_confirmed' },
      flow: { value: 'production_confirmation' },
      hop: { value: 'mes' },
      plant: 'WERKS',
      occurred_at: 'confirmedAt',
      source_system: { value: 'MES' },
      business: { work_order: 'order.AUFNR', operation: 'order.VORNR', material: 'order.MATNR', quantity_good: 'yield.good', quantity_scrap: 'yield.total - yield.good', quantity_uom: 'yield.uom' },
    },
  })
}

export function confirmationValue(i: number): string {
  return JSON.stringify({
    MES_CONF_ID: `CONF-${i}`,
    WERKS: '3000',
    confirmedAt: new Date(BASE + i * 20).toISOString(),
    order: { AUFNR: String(1550000000 + Math.floor(i / 4)), VORNR: '0010', MATNR: `A-${i % 300}`, workCenter: 'WC-10' },
    yield: { good: 12, total: 13, uom: 'PC' },
    operator: 'shift-a',
  })
}

export function confirmationRecord(i: number): OutgoingRecord {
  return { key: `CONF-${i}`, value: confirmationValue(i), timestamp: BASE + i * 20 }
}

/** The same as a record the tap reads (the breakdown maps records without a bus). */
export function confirmationBusRecord(i: number): BusRecord {
  return { topic: BENCH_TOPIC, partition: 0, offset: String(i), key: Buffer.from(`CONF-${i}`), value: Buffer.from(confirmationValue(i)), headers: {}, timestamp: BASE + i * 20 }
}
