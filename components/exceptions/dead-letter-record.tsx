'use client'

import type { ColumnDef } from '@tanstack/react-table'
import Link from 'next/link'
import { useState, type ReactNode } from 'react'
import { deadLetterValueHref, replayJobHref } from '@/server/domain/links'
import { DataTable } from '../ui/data-table'
import { formatCount, formatRelative, formatUtc, prettyJson } from '../ui/format'
import type { DeadLetter } from './dead-letter-types'

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="break-all font-mono text-xs">{children ?? '—'}</dd>
    </>
  )
}

const at = (d: Date | string) => <span title={formatUtc(d)}>{formatUtc(d)} ({formatRelative(d)})</span>

/** Where the record came from: the DLQ coordinates and the decoded original ones. */
export function DeadLetterMetadata({ d }: { d: DeadLetter }) {
  return (
    <section className="card space-y-2" aria-label="DLQ metadata">
      <h2 className="font-semibold">Where it came from</h2>
      <dl data-testid="dlq-metadata" className="grid grid-cols-[12rem_1fr] gap-x-4 gap-y-1 text-sm">
        <Field label="Convention">{d.convention}</Field>
        <Field label="DLQ record">{`${d.topic} / ${d.partition} / ${d.offset}`}</Field>
        <Field label="Dead-lettered">{at(d.deadLetteredAt)}</Field>
        <Field label="Original topic">{d.sourceTopic}</Field>
        <Field label="Original partition">{d.sourcePartition}</Field>
        <Field label="Original offset">{d.sourceOffset}</Field>
        <Field label="Consumer group">{d.consumerGroup}</Field>
        {d.source.originalTimestamp && <Field label="Original record time">{at(d.source.originalTimestamp)}</Field>}
        {d.source.connector && <Field label="Connector">{d.source.connector}</Field>}
        {d.source.task && <Field label="Task">{d.source.task}</Field>}
        {d.source.stage && <Field label="Stage">{d.source.stage}</Field>}
        {d.source.class && <Field label="Executing class">{d.source.class}</Field>}
        {d.source.processorNode && <Field label="Processor node">{d.source.processorNode}</Field>}
        <Field label="Exception">{d.errorClass}</Field>
        <Field label="Error code">{d.errorCode}</Field>
        <Field label="Attempts">{d.attempts}</Field>
        <Field label="Correlation id">{d.correlationId}</Field>
        <Field label="Origin time">{d.originTime ? formatUtc(d.originTime) : null}</Field>
        <Field label="Business keys">{Object.entries(d.businessKeys).map(([k, v]) => `${k}=${v}`).join(' · ') || null}</Field>
        <Field label="Key">{d.key}</Field>
        <Field label="Expires from DLQ">{d.expiresAt ? formatUtc(d.expiresAt) : 'no time limit known'}</Field>
        <Field label="Fingerprint">{d.fingerprint}</Field>
      </dl>
      {d.stackTrace && (
        <details>
          <summary className="cursor-pointer text-sm">Stack trace</summary>
          <pre className="max-h-96 overflow-auto text-xs">{d.stackTrace}</pre>
        </details>
      )}
    </section>
  )
}

export function DeadLetterPayload({ d }: { d: DeadLetter }) {
  return (
    <section className="card space-y-2" aria-label="Payload">
      <h2 className="font-semibold">
        Payload <span className="text-sm font-normal text-slate-500">({formatCount(d.payloadBytes)} bytes)</span>
      </h2>
      {d.payload !== null && (
        <p className="text-sm" data-testid="payload-download">
          {d.payloadTruncated && <span className="text-amber-700">Showing the first 1 MiB. </span>}
          <a className="underline" href={deadLetterValueHref(d.id)} download>
            Download the whole value
          </a>
        </p>
      )}
      <pre data-testid="payload" className="max-h-[32rem] overflow-auto whitespace-pre-wrap break-all text-xs">
        {d.payload === null ? '(no value)' : prettyJson(d.payload)}
      </pre>
    </section>
  )
}

type Header = DeadLetter['headers'][number]

function headerColumns(showBinary: boolean): ColumnDef<Header>[] {
  return [
    { id: 'key', header: 'Key', meta: { className: 'font-mono text-xs' }, cell: ({ row }) => row.original.key },
    {
      id: 'value',
      header: 'Value',
      meta: { className: 'break-all font-mono text-xs', wrap: true },
      cell: ({ row: { original: h } }) => (showBinary || h.shown === null ? <span title="binary, base64">{h.value}</span> : <HeaderValue h={h} />),
    },
    { id: 'kind', header: 'Kind', meta: { className: 'text-xs text-slate-500' }, cell: ({ row }) => (row.original.dlq ? 'DLQ context (stripped on replay)' : 'business') },
  ]
}

/** A decoded value with its raw bytes one click away (hex and base64). */
function HeaderValue({ h }: { h: Header }) {
  if (h.shownAs === 'text') return <>{h.shown}</>
  const hex = Array.from(atob(h.value), (c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join(' ')
  return (
    <details>
      <summary className="cursor-pointer" title={`${h.shownAs}, big-endian`}>{h.shown}</summary>
      <span data-testid="header-raw">bytes {hex} · base64 {h.value}</span>
    </details>
  )
}

/** The record's headers decoded (numbers, text), base64 on request and for other binary values. */
export function DeadLetterHeaders({ d }: { d: DeadLetter }) {
  const [showBinary, setShowBinary] = useState(false)
  return (
    <section className="card space-y-2" aria-label="Headers">
      <h2 className="flex items-center justify-between font-semibold">
        Headers ({d.headers.length})
        <label className="text-sm font-normal">
          <input type="checkbox" checked={showBinary} onChange={(e) => setShowBinary(e.target.checked)} /> show base64
        </label>
      </h2>
      <DataTable label="Headers" testId="headers-table" data={d.headers} columns={headerColumns(showBinary)} getRowId={(_, i) => String(i)} keyboard={false} />
    </section>
  )
}

export function DeadLetterReplays({ d }: { d: DeadLetter }) {
  if (d.replays.length === 0) return null
  return (
    <section className="card space-y-1 text-sm" aria-label="Replays">
      <h2 className="font-semibold">Replays</h2>
      <ul>
        {d.replays.map((r) => (
          <li key={r.itemId}>
            <Link className="underline" href={replayJobHref(r.jobId)}>
              job {r.jobId.slice(0, 8)}
            </Link>{' '}
            {r.status}
            {r.producedAt && <> · produced {formatUtc(r.producedAt)}</>}
            {r.error && <> · {r.error}</>}
          </li>
        ))}
      </ul>
    </section>
  )
}
