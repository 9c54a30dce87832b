import type { OutgoingRecord } from '../../server/bus/port'
import type { TapDefinitionInput } from '../../server/domain/taps'

/**
 * Test data: a plant whose MES, hub and ERP publish only their business messages (SOURCES.md
 * "Topic taps"), written by hand as such systems do, with the taps that map them.
 */

export interface PlantTopics {
  mes: string
  hub: string
  erp: string
}

export const plantTopics = (prefix: string): PlantTopics => ({ mes: `${prefix}.mes.confirmations`, hub: `${prefix}.hub.postings`, erp: `${prefix}.erp.acks` })

const common = (plant: string) => ({ flow: { value: 'production_confirmation' }, plant: { value: plant } })

/** One tap per topic; the correlation id is the confirmation id every message carries. */
export function plantTaps(prefix: string, plant: string, topics = plantTopics(prefix)): TapDefinitionInput[] {
  return [
    {
      name: `${prefix}-mes`,
      topic: topics.mes,
      mapping: {
        ...common(plant),
        correlation_id: 'MES_CONF_ID',
        event_type: { value: 'production.operation_confirmed' },
        hop: { value: 'mes' },
        source_system: { value: 'MES' },
        business: { work_order: 'order.AUFNR', operation: 'order.VORNR', material: 'order.MATNR', quantity_good: 'yield.good', quantity_uom: 'yield.uom' },
      },
    },
    {
      name: `${prefix}-hub`,
      topic: topics.hub,
      mapping: {
        ...common(plant),
        correlation_id: 'refs.confirmation',
        event_type: { value: 'erp.posting_requested' },
        hop: { value: 'hub' },
        business: { work_order: 'E1AFRUL.AUFNR' },
        attributes: { idoc: 'DOCNUM' },
      },
    },
    {
      name: `${prefix}-erp`,
      topic: topics.erp,
      mapping: {
        ...common(plant),
        correlation_id: 'REF',
        event_type: 'STATUS = "53" ? "erp.posting_succeeded" : "erp.posting_failed"',
        hop: { value: 'erp' },
        status: 'STATUS = "53" ? "ok" : "error"',
        error_code: 'MSGID & "/" & MSGNO',
        error_text: 'MESSAGE',
        business: { erp_document: 'BELNR' },
      },
    },
  ]
}

/** Transaction `i`: its confirmation id, work order, and whether the ERP rejects it. */
export const txn = (prefix: string, i: number) => ({ id: `${prefix}-C${i}`, order: String(1550000000 + i), rejected: i % 5 === 4 })

export function confirmation(prefix: string, i: number, timestamp: number): OutgoingRecord {
  const t = txn(prefix, i)
  return {
    key: t.id,
    value: JSON.stringify({ MES_CONF_ID: t.id, order: { AUFNR: t.order, VORNR: '0010', MATNR: 'A-706' }, yield: { good: 12, uom: 'PC' } }),
    timestamp,
  }
}

export function posting(prefix: string, i: number, timestamp: number): OutgoingRecord {
  const t = txn(prefix, i)
  return { key: t.id, value: JSON.stringify({ DOCNUM: String(9000 + i), refs: { confirmation: t.id }, E1AFRUL: { AUFNR: t.order } }), timestamp }
}

export function ack(prefix: string, i: number, timestamp: number): OutgoingRecord {
  const t = txn(prefix, i)
  const body = t.rejected
    ? { REF: t.id, STATUS: '51', MSGID: 'M7', MSGNO: '021', MESSAGE: `Deficit of material A-706 12 PC (order ${t.order})` }
    : { REF: t.id, STATUS: '53', BELNR: String(4900000000 + i), MESSAGE: 'Document posted' }
  return { key: t.id, value: JSON.stringify(body), timestamp }
}
