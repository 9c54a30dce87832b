'use client'

import { Badge } from '../ui/state-badge'
import { CopyButton } from '../ui/copy-button'
import { formatCount, formatUserTime, formatUtc, prettyJson } from '../ui/format'
import type { RouterOutputs } from '../trpc/client'

type Preview = RouterOutputs['taps']['preview']
type Row = Preview['rows'][number]

const pre = 'max-h-72 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs dark:bg-slate-900'

/** The record as the tap reads it: place, key, headers and value, all as text. */
function RecordCell({ record }: { record: Row['record'] }) {
  const headers = Object.entries(record.headers)
  return (
    <div className="space-y-1">
      <p className="text-xs text-slate-600 dark:text-slate-400">
        <span className="font-mono">
          {record.topic}/{record.partition}@{record.offset}
        </span>{' '}
        · <time title={formatUtc(record.timestamp)}>{formatUserTime(record.timestamp)}</time>
        {record.key !== null && (
          <>
            {' '}
            · key <code>{record.key}</code>
          </>
        )}
      </p>
      {headers.length > 0 && (
        <p className="text-xs">
          {headers.map(([k, v]) => (
            <span key={k} className="mr-2 font-mono">
              {k}={v}
            </span>
          ))}
        </p>
      )}
      <pre className={pre}>{record.value === null ? '(no value)' : prettyJson(record.value)}</pre>
      {record.valueTruncated && <p className="text-xs">Value cut for display; the tap maps the whole record.</p>}
    </div>
  )
}

/** The hop event the mapping makes, or why it cannot; missing required fields are named first. */
function EventCell({ row }: { row: Row }) {
  const missing = row.missing.length > 0 && (
    <p className="text-sm text-red-800 dark:text-red-200" data-testid="tap-preview-missing">
      <Badge tone="bad" icon="!" label="missing" title="Required hop event fields the mapping left empty" /> {row.missing.join(', ')}
    </p>
  )
  if (!row.mapping.ok)
    return (
      <div className="space-y-1" data-testid="tap-preview-error">
        {missing}
        <Badge tone="bad" icon="✕" label="not mapped" title="This record would go to the telemetry DLQ with this reason" />
        <p className="text-sm">
          {row.mapping.field && <strong>{row.mapping.field}: </strong>}
          {row.mapping.reason}
        </p>
        {row.mapping.expression && <pre className={pre}>{row.mapping.expression}</pre>}
      </div>
    )
  const json = JSON.stringify(row.mapping.event, null, 2)
  return (
    <div className="space-y-1" data-testid="tap-preview-event">
      {missing}
      <pre className={pre}>{json}</pre>
      <CopyButton text={json} label="Copy the hop event" />
    </div>
  )
}

export function TapPreviewTable({ preview }: { preview: Preview }) {
  const failed = preview.rows.filter((r) => !r.mapping.ok).length
  if (preview.rows.length === 0)
    return (
      <p role="status" className="text-sm">
        {preview.topics.join(', ')} {preview.topics.length === 1 ? 'holds' : 'hold'} no records yet: the preview reads the newest ones, so produce a few (or wait for
        the plant&apos;s next message) and preview again.
      </p>
    )
  return (
    <section aria-label="Preview" className="space-y-2">
      <p className="text-sm" role="status">
        The newest {formatCount(preview.rows.length)} record(s) of {preview.topics.join(', ')}: {formatCount(preview.rows.length - failed)} mapped, {formatCount(failed)} not
        mapped. Nothing was committed.
      </p>
      <table className="w-full table-fixed border-collapse text-left">
        <thead>
          <tr>
            <th scope="col" className="w-1/2 p-1 text-sm">
              Record
            </th>
            <th scope="col" className="w-1/2 p-1 text-sm">
              Hop event
            </th>
          </tr>
        </thead>
        <tbody>
          {preview.rows.map((row) => (
            <tr key={`${row.record.topic}/${row.record.partition}/${row.record.offset}`} className="border-t border-slate-200 align-top dark:border-slate-800" data-testid="tap-preview-row">
              <td className="p-1">
                <RecordCell record={row.record} />
              </td>
              <td className="p-1">
                <EventCell row={row} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
