import type { OutgoingRecord } from '../server/bus/port'
import type { HopEventInput } from '../server/domain/hop-event'
import type { PlantModel } from './model'
import { hashBytes } from './prng'

/**
 * The tapped plants (option `tappedPlants`, issue #21 item 6): plants that report no hop events at
 * all. Their MES, warehouse (EWM), hub and ERP publish only the business messages such a landscape
 * already has, on five topics per plant, and Linetrace sees them through topic taps
 * (simulator/taps/demo-taps.yaml):
 *
 *   plant<code>.mes.confirmations  the MES's ProductionConfirmation (MES_CONF_ID, order, quantities)
 *   plant<code>.mes.goodsissues    the MES's GoodsIssue to an order, movement type 261 (MES_GI_ID, material, batch)
 *   plant<code>.wms.movements      the warehouse's transfers to the line (311, WMS_TRANSFER_ID) and goods issues for deliveries (601, WMS_SHIPMENT_ID)
 *   plant<code>.hub.postings       the hub's IDoc-like posting per attempt (DOCNUM, the id of the transaction it carries)
 *   plant<code>.erp.acks           ERP's status per IDoc: 53 posted (with the document), 51 error, 52 partly posted
 *
 * The records are what the plant's hops would have said, written when the hop would have been: the
 * engine and the hub run unchanged (failure mix, retries, dead letters, restarts, replays), and each
 * hop of a posting flow that one of those systems would publish becomes its record — the first step
 * of the transaction (its MES's or warehouse's own message), every posting attempt and its
 * acknowledgement. Every flow the hub posts is there: a flow left out had dead letters (the hub
 * writes them for every flow) that no telemetry could ever show posted after a replay, and they
 * piled up as "open". The other hops (machine counts, the hub's receive/validate/transform steps,
 * holds and releases) stay inside the plant, as in a landscape nobody instrumented. The plant's hub
 * keeps writing its dead letters to its DLQ topic, which the DLQ indexer reads as for any plant.
 * Every record is keyed by the originating system's id of the transaction (MES_CONF_ID, MES_GI_ID,
 * WMS_TRANSFER_ID or WMS_SHIPMENT_ID) — the simulator's correlation id, so the dead letters of the
 * hub link to the same transaction — and carries no Linetrace header.
 */

/** The default tap set for the tapped plant of the embedded demo (TAPS_FILE format), relative to the repository root. */
export const DEMO_TAPS_FILE = 'simulator/taps/demo-taps.yaml'

export interface TappedTopics {
  confirmations: string
  goodsIssues: string
  warehouse: string
  postings: string
  acks: string
}

export const tappedTopics = (code: string): TappedTopics => ({
  confirmations: `plant${code}.mes.confirmations`,
  goodsIssues: `plant${code}.mes.goodsissues`,
  warehouse: `plant${code}.wms.movements`,
  postings: `plant${code}.hub.postings`,
  acks: `plant${code}.erp.acks`,
})

/** IDoc message types: a custom one for the confirmation BAPI (as plants do), SAP's MBGMCR for a re-posted backflush. */
const CONFIRMATION_MESTYP = 'ZPRODCONF'
const GOODS_MOVEMENT_MESTYP = 'MBGMCR'

/**
 * The flows a tapped plant's systems publish (the ones the hub posts), each with its first step — the
 * originating system's message —, and the posting hops: every attempt and its acknowledgement. (The
 * warehouse's put-away after a confirmation is no first step: it stays inside.)
 */
const FIRST_STEP: Readonly<Record<string, string>> = {
  production_confirmation: 'production.operation_confirmed',
  goods_movement: 'inventory.material_consumed',
  inventory_transfer: 'inventory.transfer_posted',
  shipment: 'shipment.loaded',
}
const POSTING_HOPS = new Set(['erp.posting_requested', 'erp.posting_succeeded', 'erp.posting_failed', 'erp.posting_partially_succeeded'])

/** The originating system's id of the transaction, under the name its kind of message gives it. */
function sourceId(event: HopEventInput) {
  const id = event.correlation_id
  switch (event.flow) {
    case 'goods_movement':
      return { MES_GI_ID: id }
    case 'inventory_transfer':
      return { WMS_TRANSFER_ID: id }
    case 'shipment':
      return { WMS_SHIPMENT_ID: id }
    default:
      return { MES_CONF_ID: id }
  }
}

export class TappedReporter {
  private readonly codes: ReadonlySet<string>
  /** Business records produced so far, per topic. */
  readonly records = new Map<string, number>()

  constructor(plants: readonly PlantModel[], codes: readonly string[], otlpPlants: readonly string[]) {
    const unknown = codes.filter((code) => !plants.some((p) => p.code === code))
    if (unknown.length) throw new Error(`Tapped plants ${unknown.join(', ')} are not among the simulated plants (${plants.map((p) => p.code).join(', ')}): name one of them, or none`)
    const both = codes.filter((code) => otlpPlants.includes(code))
    if (both.length) throw new Error(`Plants ${both.join(', ')} are named both as OTLP and as tapped plants: a plant reports one way`)
    this.codes = new Set(codes)
  }

  /** Whether the plant is tapped: none of its hops goes to the telemetry topic. */
  reports(plant: PlantModel): boolean {
    return this.codes.has(plant.code)
  }

  topics(): string[] {
    return [...this.codes].flatMap((code) => Object.values(tappedTopics(code)))
  }

  /** The business record the plant publishes for this hop, and its topic; none for the hops it keeps to itself. */
  record(event: HopEventInput, plant: PlantModel): { topic: string; record: OutgoingRecord } | undefined {
    const first = FIRST_STEP[event.flow]
    if (first === undefined || (event.event_type !== first && !POSTING_HOPS.has(event.event_type))) return undefined
    const topics = tappedTopics(plant.code)
    const [topic, value] =
      event.event_type === 'production.operation_confirmed'
        ? [topics.confirmations, confirmation(event, plant)]
        : event.event_type === 'inventory.material_consumed'
          ? [topics.goodsIssues, goodsIssue(event, plant)]
          : event.event_type === 'inventory.transfer_posted' || event.event_type === 'shipment.loaded'
            ? [topics.warehouse, warehouseMovement(event, plant)]
            : event.event_type === 'erp.posting_requested'
              ? [topics.postings, posting(event, plant)]
              : [topics.acks, acknowledgement(event, plant)]
    this.records.set(topic, (this.records.get(topic) ?? 0) + 1)
    return {
      topic,
      record: { key: event.correlation_id, value: JSON.stringify(value), headers: { 'content-type': 'application/json' }, timestamp: Date.parse(event.occurred_at) },
    }
  }
}

/** The MES's ProductionConfirmation: counted (the transaction's origin) and confirmed times, quantities in the order's unit. */
function confirmation(event: HopEventInput, plant: PlantModel) {
  const b = event.business ?? {}
  return {
    MESSAGE_TYPE: 'ProductionConfirmation',
    MES_CONF_ID: event.correlation_id,
    PLANT: plant.code,
    WORK_ORDER: b.work_order,
    OPERATION: b.operation,
    MATERIAL: b.material,
    LOT: b.lot,
    WORK_CENTER: event.work_center,
    LINE: event.line,
    YIELD_QTY: b.quantity?.good ?? 0,
    SCRAP_QTY: b.quantity?.scrap ?? 0,
    UOM: b.quantity?.uom,
    CONF_TYPE: event.attributes?.confirmation_type === 'final' ? 'FINAL' : 'PARTIAL',
    POSTING_DATE: event.attributes?.posting_date,
    COUNTED_AT: event.origin_time,
    CONFIRMED_AT: event.occurred_at,
  }
}

/** The MES's GoodsIssue of a component to an order (MIGO 261 at the line): one time, the issue. */
function goodsIssue(event: HopEventInput, plant: PlantModel) {
  const b = event.business ?? {}
  return {
    MESSAGE_TYPE: 'GoodsIssue',
    MES_GI_ID: event.correlation_id,
    PLANT: plant.code,
    WORK_ORDER: b.work_order,
    MATERIAL: b.material,
    BATCH: b.lot,
    QUANTITY: b.quantity?.good,
    UOM: b.quantity?.uom,
    STORAGE_LOCATION: event.storage_location,
    MOVEMENT_TYPE: event.attributes?.movement_type,
    WORK_CENTER: event.work_center,
    LINE: event.line,
    ISSUED_AT: event.occurred_at,
  }
}

/**
 * The warehouse's own message (EWM): a transfer to the line's supply area (311) or the goods issue of
 * a loaded delivery (601). The transaction begins with it: one time, the movement.
 */
function warehouseMovement(event: HopEventInput, plant: PlantModel) {
  const b = event.business ?? {}
  const a = event.attributes ?? {}
  return {
    MESSAGE_TYPE: event.flow === 'shipment' ? 'DeliveryGoodsIssue' : 'StockTransfer',
    ...sourceId(event),
    PLANT: plant.code,
    MATERIAL: b.material,
    BATCH: b.lot,
    QUANTITY: b.quantity?.good,
    UOM: b.quantity?.uom,
    MOVEMENT_TYPE: a.movement_type,
    FROM_STORAGE_LOCATION: a.from_storage_location ?? event.storage_location,
    TO_STORAGE_LOCATION: a.to_storage_location,
    DELIVERY: b.shipment,
    HANDLING_UNIT: b.handling_unit,
    POSTED_AT: event.occurred_at,
  }
}

/**
 * An IDoc number per posting attempt, the same for the attempt's request and its acknowledgement:
 * derived from what both hops carry (idempotency key, replay, attempt), so a seed still reproduces it.
 */
export function idocNumber(event: HopEventInput): string {
  const n = hashBytes(event.idempotency_key ?? event.correlation_id, event.replay?.replay_id ?? '', event.attempt ?? 1).readBigUInt64BE(0)
  return (n % 10n ** 16n).toString().padStart(16, '0')
}

/** IDoc control-record date and time (CREDAT YYYYMMDD, CRETIM HHMMSS, UTC). */
function sapDateTime(occurredAt: string): [date: string, time: string] {
  const s = new Date(occurredAt).toISOString()
  return [s.slice(0, 10).replaceAll('-', ''), s.slice(11, 19).replaceAll(':', '')]
}

const mestypOf = (event: HopEventInput) => (event.attributes?.interface === 'BAPI_GOODSMVT_CREATE' ? GOODS_MOVEMENT_MESTYP : CONFIRMATION_MESTYP)

/** The hub's posting: the IDoc it sends ERP for one attempt (MBGMCR for a goods movement — issue, transfer, delivery — and for the re-posted backflush of a partial confirmation). */
function posting(event: HopEventInput, plant: PlantModel) {
  const b = event.business ?? {}
  const mestyp = mestypOf(event)
  const [CREDAT, CRETIM] = sapDateTime(event.occurred_at)
  return {
    EDI_DC40: { DOCNUM: idocNumber(event), MESTYP: mestyp, IDOCTYP: mestyp === GOODS_MOVEMENT_MESTYP ? 'MBGMCR03' : 'ZPRODCONF01', SNDPRN: `HUB${plant.code}`, RCVPRN: `S4H${plant.companyCode}`, CREDAT, CRETIM },
    ...sourceId(event),
    PLANT: plant.code,
    ITEM: {
      AUFNR: b.work_order,
      VORNR: b.operation,
      MATNR: b.material,
      CHARG: b.lot,
      VBELN: b.shipment,
      BWART: event.attributes?.movement_type,
      LMNGA: b.quantity?.good,
      XMNGA: b.quantity?.scrap,
      MEINH: b.quantity?.uom,
    },
    ATTEMPT: event.attempt ?? 1,
    ...(event.replay ? { REPLAY_ID: event.replay.replay_id } : {}),
  }
}

/**
 * ERP's status for the IDoc: 53 (application document posted) with the document, 51 (not posted)
 * or 52 (not fully posted: the backflush went to COGI) with the message class and number of the
 * error (SAP's `M7/053` → STAMID M7, STAMNO 053; the adapter's HTTP errors as STAMID HTTP). ERP
 * does not say transient or permanent: the tap derives the category from the message.
 */
function acknowledgement(event: HopEventInput, plant: PlantModel) {
  const mestyp = mestypOf(event)
  const document = event.business?.erp_document
  const [LOGDAT, LOGTIM] = sapDateTime(event.occurred_at)
  const base = { DOCNUM: idocNumber(event), MESTYP: mestyp, ...sourceId(event), PLANT: plant.code, AUFNR: event.business?.work_order, LOGDAT, LOGTIM, ATTEMPT: event.attempt ?? 1 }
  if (event.event_type === 'erp.posting_succeeded') {
    const reconciled = event.attributes?.reconciled === 'true'
    const text = reconciled ? `Already posted with document ${document}: duplicate of an earlier IDoc` : mestyp === GOODS_MOVEMENT_MESTYP ? `Document ${document} posted` : `Confirmation of order ${event.business?.work_order} saved`
    return { ...base, STATUS: '53', STATYP: 'S', STAMID: mestyp === GOODS_MOVEMENT_MESTYP ? 'M7' : 'RU', STAMNO: mestyp === GOODS_MOVEMENT_MESTYP ? '060' : '100', STATXT: text, BELNR: document }
  }
  const [STAMID, STAMNO] = (event.error?.code ?? 'UNKNOWN/000').split(/[/_]/)
  if (event.event_type === 'erp.posting_partially_succeeded') return { ...base, STATUS: '52', STATYP: 'W', STAMID, STAMNO, STATXT: event.error?.text, BELNR: document }
  return { ...base, STATUS: '51', STATYP: 'E', STAMID, STAMNO, STATXT: event.error?.text }
}
