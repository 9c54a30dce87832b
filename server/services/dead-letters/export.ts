import type { Ctx } from '../../context/ctx'
import { csvStream, type CsvColumn } from '../../http/csv'
import { listFilterSchema, listWhere } from './queries'
import { toView, VIEW_SELECT, type DeadLetterView } from './views'

/**
 * CSV of the dead letters matching a filter, streamed page by page (keyset on id) so an export of
 * many thousands never sits in memory; bounded at MAX_EXPORT_ROWS (the last line says so when cut).
 * Written by the one CSV writer (server/http/csv.ts): error messages and keys come from producers,
 * so formula-like cells are neutralised there, and times are ISO 8601.
 */

export const MAX_EXPORT_ROWS = 50_000
const PAGE = 1_000

const COLUMNS: CsvColumn<DeadLetterView>[] = [
  { header: 'id', value: (v) => v.id },
  { header: 'status', value: (v) => v.status },
  { header: 'dead_lettered_at', value: (v) => v.deadLetteredAt },
  { header: 'plant', value: (v) => v.plant },
  { header: 'flow', value: (v) => v.flow },
  { header: 'error_category', value: (v) => v.errorCategory },
  { header: 'error_code', value: (v) => v.errorCode },
  { header: 'error_class', value: (v) => v.errorClass },
  { header: 'error_message', value: (v) => v.errorMessage },
  { header: 'correlation_id', value: (v) => v.correlationId },
  { header: 'work_order', value: (v) => v.businessKeys.work_order },
  { header: 'lot', value: (v) => v.businessKeys.lot },
  { header: 'material', value: (v) => v.businessKeys.material },
  { header: 'dlq_topic', value: (v) => v.topic },
  { header: 'dlq_partition', value: (v) => v.partition },
  { header: 'dlq_offset', value: (v) => v.offset },
  { header: 'convention', value: (v) => v.convention },
  { header: 'source_topic', value: (v) => v.sourceTopic },
  { header: 'source_partition', value: (v) => v.sourcePartition },
  { header: 'source_offset', value: (v) => v.sourceOffset },
  { header: 'consumer_group', value: (v) => v.consumerGroup },
  { header: 'attempts', value: (v) => v.attempts },
  { header: 'assignee_id', value: (v) => v.assigneeId },
  { header: 'fingerprint', value: (v) => v.fingerprint },
  { header: 'expires_at', value: (v) => v.expiresAt },
  { header: 'source_timestamp', value: (v) => v.source.originalTimestamp },
  { header: 'connector', value: (v) => v.source.connector },
  { header: 'task', value: (v) => v.source.task },
  { header: 'stage', value: (v) => v.source.stage },
  { header: 'executing_class', value: (v) => v.source.class },
  { header: 'processor_node', value: (v) => v.source.processorNode },
]

export async function exportDeadLettersCsv({ db, principal }: Pick<Ctx, 'db' | 'principal'>, input: unknown): Promise<ReadableStream<Uint8Array>> {
  // Parsed and scoped before anything is read, so a bad filter or plant is an error response.
  const filter = listFilterSchema.parse(input ?? {})
  const where = listWhere(principal, filter)
  async function* pages(): AsyncGenerator<DeadLetterView[], string | void> {
    let after: string | null = null
    let sent = 0
    for (;;) {
      const take = Math.min(PAGE, MAX_EXPORT_ROWS - sent)
      const rows: DeadLetterView[] = (
        await db.deadLetter.findMany({ where: after ? { AND: [where, { id: { gt: after } }] } : where, select: VIEW_SELECT, orderBy: { id: 'asc' }, take })
      ).map(toView)
      sent += rows.length
      after = rows.at(-1)?.id ?? after
      yield rows
      if (rows.length < take) return
      if (sent >= MAX_EXPORT_ROWS) return `# cut at ${MAX_EXPORT_ROWS} rows: narrow the filter to export the rest`
    }
  }
  return csvStream(COLUMNS, pages())
}
