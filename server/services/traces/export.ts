import { csvStream, type CsvColumn } from '../../http/csv'
import { searchTraces, type TraceCtx, type TraceSearchInput, type TxnItem } from './search'

/**
 * CSV export of a trace search: the same search, page after page, streamed as the client reads,
 * bounded by EXPORT_ROW_LIMIT (the page says so next to the button; a cut export ends with a line
 * saying so). Written by the one CSV writer (server/http/csv.ts), which neutralises formulas.
 */
export const EXPORT_ROW_LIMIT = 10_000
const PAGE = 500

const COLUMNS: CsvColumn<TxnItem>[] = [
  { header: 'correlation_id', value: (t) => t.correlation_id },
  { header: 'origin_time', value: (t) => t.origin_time },
  { header: 'plant', value: (t) => t.plant },
  { header: 'line', value: (t) => t.line },
  { header: 'flow', value: (t) => t.flow },
  { header: 'work_order', value: (t) => t.work_order },
  { header: 'material', value: (t) => t.material },
  { header: 'state', value: (t) => t.state },
  { header: 'e2e_latency_ms', value: (t) => t.e2e_latency_ms },
  { header: 'sla_ms', value: (t) => t.sla_ms },
  { header: 'attempts', value: (t) => t.attempts },
  { header: 'erp_documents', value: (t) => t.erp_documents.join(' ') },
  { header: 'age_ms', value: (t) => t.age_ms },
]

async function* pages(ctx: TraceCtx, input: TraceSearchInput): AsyncGenerator<TxnItem[], string | void> {
  let cursor: string | null | undefined = undefined
  let written = 0
  do {
    const page = await searchTraces(ctx, { ...input, cursor, limit: Math.min(PAGE, EXPORT_ROW_LIMIT - written) })
    written += page.items.length
    yield page.items
    cursor = page.nextCursor
  } while (cursor && written < EXPORT_ROW_LIMIT)
  if (cursor) return `# cut at ${EXPORT_ROW_LIMIT} rows: narrow the time range or filters for the rest`
}

export function exportTracesCsv(ctx: TraceCtx, input: TraceSearchInput): Promise<ReadableStream<Uint8Array>> {
  return csvStream(COLUMNS, pages(ctx, input))
}
