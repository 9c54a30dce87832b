/**
 * The rows of `hop_events` and `hop_payloads` (migrations/0001_core_tables.sql), spelled once: the
 * ingest writer's insert rows (ingest/telemetry/rows.ts), the trace reader's select list and row
 * type (queries/trace.ts) and the view tests' fixtures (testing/views-scenario.ts) all derive from
 * the column lists below. The migrations' SQL stays the schema; these lists mirror it column for
 * column, and views.test.ts writes and reads through them.
 *
 * Each column has a kind (its TypeScript types on the way in and out) and how an insert treats it:
 * - `required`: no DEFAULT, every insert gives it;
 * - `default`: may be left out (or `undefined`, which JSON drops) and the column DEFAULT applies;
 * - `materialized`: computed by ClickHouse, never inserted.
 */

interface ColumnTypes {
  text: { insert: string; read: string }
  /** RFC 3339 text in (the exec seam parses it `best_effort`), ClickHouse's `YYYY-MM-DD hh:mm:ss.sss` out (server/domain/ch-time.ts). */
  time: { insert: string; read: string }
  number: { insert: number; read: number }
  /** NULL = not known (aggregates skip it), never 0. */
  nullableNumber: { insert: number | null; read: number | null }
  /** 64-bit: decimal text in, so Kafka offsets above 2^53 stay exact; a JSON number out (the seam unquotes 64-bit integers). */
  int64: { insert: string; read: number }
  bool: { insert: boolean; read: boolean }
  texts: { insert: string[]; read: string[] }
  map: { insert: Record<string, string>; read: Record<string, string> }
}

type Column = readonly [kind: keyof ColumnTypes, insert: 'required' | 'default' | 'materialized']
type Columns = Readonly<Record<string, Column>>

type Simplify<T> = { [K in keyof T]: T[K] }

type InsertRow<C extends Columns> = Simplify<
  { -readonly [K in keyof C as C[K][1] extends 'required' ? K : never]: ColumnTypes[C[K][0]]['insert'] } & {
    -readonly [K in keyof C as C[K][1] extends 'default' ? K : never]?: ColumnTypes[C[K][0]]['insert']
  }
>

type ReadRow<C extends Columns, K extends keyof C> = { -readonly [P in K]: ColumnTypes[C[P][0]]['read'] }

/** In the order a reader gets them (the trace view and its REST twin show them in this order). */
export const HOP_EVENT_COLUMNS = {
  event_id: ['text', 'required'],
  event_type: ['text', 'required'],
  schema_version: ['number', 'default'],
  occurred_at: ['time', 'required'],
  /** When the reporting hop recorded it; defaults to the ingest time. */
  recorded_at: ['time', 'default'],
  origin_time: ['time', 'required'],
  /** The ReplacingMergeTree version: now64(3) unless a test stamps it. */
  ingested_at: ['time', 'default'],
  correlation_id: ['text', 'required'],
  causation_id: ['text', 'default'],
  idempotency_key: ['text', 'default'],
  trace_id: ['text', 'default'],
  flow: ['text', 'required'],
  hop: ['text', 'required'],
  status: ['text', 'required'],
  plant: ['text', 'required'],
  line: ['text', 'default'],
  work_order: ['text', 'default'],
  material: ['text', 'default'],
  lot: ['text', 'default'],
  shipment: ['text', 'default'],
  erp_document: ['text', 'default'],
  /** Nullable without a DEFAULT: the writer says null when the latency is not known. */
  latency_ms: ['nullableNumber', 'required'],
  /** 0 = not a posting (attempts count from 1). */
  attempt: ['number', 'default'],
  /** '' = no error object on the event. */
  error_category: ['text', 'default'],
  error_code: ['text', 'default'],
  error_text: ['text', 'default'],
  error_retryable: ['bool', 'default'],
  dependency_key: ['text', 'default'],
  replay_id: ['text', 'default'],
  /** DEFAULT replay_id != ''. */
  replayed: ['bool', 'default'],
  /** dateDiff('millisecond', origin_time, occurred_at): the e2e latency when this hop is the successful posting. */
  since_origin_ms: ['int64', 'materialized'],
  /** Kafka coordinates of the record the row came from (audit, re-processing). */
  src_topic: ['text', 'default'],
  src_partition: ['number', 'default'],
  src_offset: ['int64', 'default'],
  span_id: ['text', 'default'],
  parent_span_id: ['text', 'default'],
  source_system: ['text', 'default'],
  source_instance: ['text', 'default'],
  work_center: ['text', 'default'],
  storage_location: ['text', 'default'],
  location_path: ['text', 'default'],
  operation: ['text', 'default'],
  handling_unit: ['text', 'default'],
  serials: ['texts', 'default'],
  qty_good: ['number', 'default'],
  qty_scrap: ['number', 'default'],
  uom: ['text', 'default'],
  payload_truncated: ['bool', 'default'],
  attributes: ['map', 'default'],
} as const satisfies Columns

export const HOP_PAYLOAD_COLUMNS = {
  correlation_id: ['text', 'required'],
  event_id: ['text', 'required'],
  origin_time: ['time', 'required'],
  content_type: ['text', 'default'],
  payload: ['text', 'required'],
} as const satisfies Columns

type HopEventColumn = keyof typeof HOP_EVENT_COLUMNS
/** schema_version is the event model's version at the writer: of no use to a reader. */
type ReadHopEventColumn = Exclude<HopEventColumn, 'schema_version'>

export type HopEventInsert = InsertRow<typeof HOP_EVENT_COLUMNS>
export type HopPayloadInsert = InsertRow<typeof HOP_PAYLOAD_COLUMNS>

/** A hop_events row as the trace reads return it (HOP_EVENT_SELECT). */
export type HopEventRow = ReadRow<typeof HOP_EVENT_COLUMNS, ReadHopEventColumn>
export type HopPayloadRow = ReadRow<typeof HOP_PAYLOAD_COLUMNS, keyof typeof HOP_PAYLOAD_COLUMNS>

/** The select list of a HopEventRow. */
export const HOP_EVENT_SELECT = (Object.keys(HOP_EVENT_COLUMNS) as HopEventColumn[]).filter((c): c is ReadHopEventColumn => c !== 'schema_version').join(', ')
