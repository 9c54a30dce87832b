import { stringify } from 'csv-stringify'
import { searchTraces, type TraceCtx, type TraceSearchInput } from './search'

/**
 * CSV export of a trace search: the same search, page after page, streamed as it is read, bounded
 * by EXPORT_ROW_LIMIT (the page says so next to the button; a cut export ends with a line saying
 * so). Values are plain cells; csv-stringify quotes what needs quoting.
 */
export const EXPORT_ROW_LIMIT = 10_000
const PAGE = 500

export const EXPORT_COLUMNS = [
  'correlation_id',
  'origin_time',
  'plant',
  'line',
  'flow',
  'work_order',
  'material',
  'state',
  'e2e_latency_ms',
  'sla_ms',
  'attempts',
  'erp_documents',
  'age_ms',
] as const

export function exportTracesCsv(ctx: TraceCtx, input: TraceSearchInput): ReadableStream<Uint8Array> {
  const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] })
  const encoder = new TextEncoder()
  void (async () => {
    try {
      let cursor: string | null | undefined = undefined
      let written = 0
      do {
        const page = await searchTraces(ctx, { ...input, cursor, limit: Math.min(PAGE, EXPORT_ROW_LIMIT - written) })
        for (const item of page.items) {
          csv.write({ ...item, erp_documents: item.erp_documents.join(' ') })
          written++
        }
        cursor = page.nextCursor
      } while (cursor && written < EXPORT_ROW_LIMIT)
      if (cursor) csv.write({ correlation_id: `# cut at ${EXPORT_ROW_LIMIT} rows: narrow the time range or filters for the rest` })
      csv.end()
    } catch (error) {
      csv.destroy(error as Error)
    }
  })()
  return new ReadableStream<Uint8Array>({
    start(controller) {
      csv.on('data', (chunk: string | Buffer) => controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : new Uint8Array(chunk)))
      csv.on('end', () => controller.close())
      csv.on('error', (error) => controller.error(error))
    },
  })
}
