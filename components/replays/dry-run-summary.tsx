'use client'

import type { ColumnDef } from '@tanstack/react-table'
import type { DryRunReport } from '@/server/domain/replays'
import { DataTable } from '../ui/data-table'
import { formatCount, formatDuration } from '../ui/format'

type Target = DryRunReport['byTarget'][number]

const targetColumns: ColumnDef<Target>[] = [
  { id: 'topic', header: 'Target topic', meta: { className: 'font-mono text-xs' }, cell: ({ row }) => row.original.topic },
  { id: 'count', header: 'Records', meta: { className: 'tabular-nums' }, cell: ({ row }) => formatCount(row.original.count) },
]

/** How many records the replay produces, where to, how long it takes, and whether it needs approval. */
export function DryRunSummary({ report }: { report: DryRunReport }) {
  return (
    <section className="card space-y-2" aria-label="Summary" data-testid="dry-run-summary">
      <p className="text-lg">
        <strong data-testid="replayable-count" className="tabular-nums">
          {formatCount(report.replayable)}
        </strong>{' '}
        of {formatCount(report.selected)} selected records will be replayed
        {report.replayable > 0 && (
          <>
            {' '}
            in about {formatDuration(report.etaSeconds * 1000)} at {report.ratePerSecond} records/s
          </>
        )}
        .
      </p>
      {report.byTarget.length > 0 && (
        <div className="w-fit">
          <DataTable
            label="Records per target topic"
            data={report.byTarget}
            columns={targetColumns}
            getRowId={(t) => t.topic}
            rowTestId={() => 'target-row'}
            keyboard={false}
          />
        </div>
      )}
      {report.approval.required && (
        <p className="rounded border border-amber-300 bg-amber-50 p-2 text-sm dark:border-amber-800 dark:bg-amber-950" data-testid="approval-needed">
          ⚖ {report.approval.why} The job waits in “awaiting approval” until another operator or admin of the plant approves it.
        </p>
      )}
    </section>
  )
}
