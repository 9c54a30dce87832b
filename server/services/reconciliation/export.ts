import { stringify } from 'csv-stringify'
import { reconciliationTransactions, type ReconCtx, type ReconInput, type ReconTransaction } from './reconciliation'

/**
 * CSV export of the Reconciliation view's differing transactions: the same list, page after page,
 * streamed, bounded by RECON_EXPORT_ROW_LIMIT (a cut export ends with a line saying so). Written as
 * the trace export writes CSV (csv-stringify), with formula escaping: work orders and documents come
 * from producers. When the shared CSV writer lands, only `writer` below changes.
 */
export const RECON_EXPORT_ROW_LIMIT = 10_000
const PAGE = 500

export const RECON_EXPORT_COLUMNS = [
  'correlation_id',
  'origin_time',
  'flow',
  'work_order',
  'kinds',
  'source_qty',
  'erp_qty',
  'erp_documents',
  'first_posted_at',
  'delay_ms',
  'sla_ms',
  'parked',
] as const

const writer = () => stringify({ header: true, columns: [...RECON_EXPORT_COLUMNS], escape_formulas: true })

function cells(t: ReconTransaction): Record<(typeof RECON_EXPORT_COLUMNS)[number], string | number | null> {
  return {
    correlation_id: t.correlationId,
    origin_time: t.originTime,
    flow: t.flow,
    work_order: t.workOrder,
    kinds: t.kinds.join(' '),
    source_qty: t.sourceQty,
    erp_qty: t.erpQty,
    erp_documents: t.documents.join(' '),
    first_posted_at: t.firstPostedAt,
    delay_ms: t.delayMs,
    sla_ms: t.slaMs,
    parked: t.parked ? 'yes' : 'no',
  }
}

/** Reads the first page before returning, so a refused input is an error of the request, not a cut file. */
export async function exportReconciliationCsv(ctx: ReconCtx, input: ReconInput): Promise<ReadableStream<Uint8Array>> {
  let page = await reconciliationTransactions(ctx, { ...input, cursor: null, limit: PAGE })
  const csv = writer()
  const encoder = new TextEncoder()
  void (async () => {
    try {
      let written = 0
      for (;;) {
        for (const item of page.items.slice(0, RECON_EXPORT_ROW_LIMIT - written)) {
          csv.write(cells(item))
          written++
        }
        if (!page.nextCursor || written >= RECON_EXPORT_ROW_LIMIT) break
        page = await reconciliationTransactions(ctx, { ...input, cursor: page.nextCursor, limit: PAGE })
      }
      if (page.nextCursor) csv.write({ correlation_id: `# cut at ${RECON_EXPORT_ROW_LIMIT} rows: narrow the time range or filters for the rest` })
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
