import type { Ctx } from '../../context/ctx'
import { listFilterSchema, listWhere } from './queries'
import { toView, VIEW_SELECT, type DeadLetterView } from './views'

/**
 * CSV of the dead letters matching a filter, streamed page by page (keyset on id) so an export of
 * many thousands never sits in memory; bounded at MAX_EXPORT_ROWS (the last line says so when cut).
 * Cells that a spreadsheet would run as a formula are prefixed with an apostrophe (CSV injection).
 */

export const MAX_EXPORT_ROWS = 50_000
const PAGE = 1_000

const COLUMNS: [string, (v: DeadLetterView) => unknown][] = [
  ['id', (v) => v.id],
  ['status', (v) => v.status],
  ['dead_lettered_at', (v) => v.deadLetteredAt.toISOString()],
  ['plant', (v) => v.plant],
  ['flow', (v) => v.flow],
  ['error_category', (v) => v.errorCategory],
  ['error_code', (v) => v.errorCode],
  ['error_class', (v) => v.errorClass],
  ['error_message', (v) => v.errorMessage],
  ['correlation_id', (v) => v.correlationId],
  ['work_order', (v) => v.businessKeys.work_order],
  ['lot', (v) => v.businessKeys.lot],
  ['material', (v) => v.businessKeys.material],
  ['dlq_topic', (v) => v.topic],
  ['dlq_partition', (v) => v.partition],
  ['dlq_offset', (v) => v.offset],
  ['convention', (v) => v.convention],
  ['source_topic', (v) => v.sourceTopic],
  ['source_partition', (v) => v.sourcePartition],
  ['source_offset', (v) => v.sourceOffset],
  ['consumer_group', (v) => v.consumerGroup],
  ['attempts', (v) => v.attempts],
  ['assignee_id', (v) => v.assigneeId],
  ['fingerprint', (v) => v.fingerprint],
  ['expires_at', (v) => v.expiresAt?.toISOString()],
  ['source_timestamp', (v) => v.source.originalTimestamp?.toISOString()],
  ['connector', (v) => v.source.connector],
  ['task', (v) => v.source.task],
  ['stage', (v) => v.source.stage],
  ['executing_class', (v) => v.source.class],
  ['processor_node', (v) => v.source.processorNode],
]

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let s = String(value)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const line = (cells: unknown[]) => `${cells.map(csvCell).join(',')}\r\n`

export function exportDeadLettersCsv({ db, principal }: Pick<Ctx, 'db' | 'principal'>, input: unknown): ReadableStream<Uint8Array> {
  // Parsed and scoped before the stream starts, so a bad filter or plant is an error response, not a broken file.
  const filter = listFilterSchema.parse(input ?? {})
  const where = listWhere(principal, filter)
  const encoder = new TextEncoder()
  let after: string | null = null
  let sent = 0
  let header = true
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (header) {
        header = false
        controller.enqueue(encoder.encode(line(COLUMNS.map(([name]) => name))))
        return
      }
      const take = Math.min(PAGE, MAX_EXPORT_ROWS - sent)
      const rows = take > 0 ? await db.deadLetter.findMany({ where: after ? { AND: [where, { id: { gt: after } }] } : where, select: VIEW_SELECT, orderBy: { id: 'asc' }, take }) : []
      if (rows.length) {
        sent += rows.length
        after = rows.at(-1)!.id
        controller.enqueue(encoder.encode(rows.map((r) => line(COLUMNS.map(([, get]) => get(toView(r))))).join('')))
      }
      if (rows.length < PAGE || sent >= MAX_EXPORT_ROWS) {
        if (sent >= MAX_EXPORT_ROWS && rows.length === take)
          controller.enqueue(encoder.encode(`# cut at ${MAX_EXPORT_ROWS} rows: narrow the filter to export the rest\r\n`))
        controller.close()
      }
    },
  })
}
