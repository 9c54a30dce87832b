'use client'

import Link from 'next/link'
import { deadLetterHref, exceptionsHref, traceHref } from '@/server/domain/links'
import { formatRelative, formatUtc } from '../ui/format'
import { DeadLetterStatusBadge } from '../ui/state-badge'
import type { DeadLetter } from './dead-letter-types'

/** What failed, where it belongs, and its place in the chain of replays of its transaction. */
export function DeadLetterHeader({ d }: { d: DeadLetter }) {
  const title = `${d.errorCode ?? d.errorClass ?? 'Dead letter'} · ${d.businessKeys.work_order ?? d.businessKeys.lot ?? d.correlationId ?? d.id}`
  return (
    <>
      <nav className="text-sm">
        <Link className="underline" href={exceptionsHref({ fingerprint: d.fingerprint })}>
          ← Group of this dead letter
        </Link>
      </nav>
      <header className="space-y-1">
        <h1 id="dl-title" data-testid="dl-title" className="text-xl font-semibold">
          {title}
        </h1>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <DeadLetterStatusBadge status={d.status} />
          <span>{d.plant ? `plant ${d.plant}` : 'plant unknown'}</span>
          <span className="text-slate-500">{d.flow ?? 'flow unknown'}</span>
          <span className="text-slate-500">{d.errorCategory ?? 'uncategorised'}</span>
          {d.correlationId ? (
            <Link className="underline" data-testid="trace-link" href={traceHref(d.correlationId, d.originTime)}>
              Open trace
            </Link>
          ) : (
            <span data-testid="trace-link" className="text-slate-500" title="No correlation id could be read from the payload, headers or key">
              no trace link
            </span>
          )}
        </div>
        <p className="whitespace-pre-wrap text-sm">{d.errorMessage}</p>
        {d.expiresSoon && d.expiresAt && (
          <p role="alert" className="rounded border border-amber-300 bg-amber-50 p-2 text-sm text-amber-900" data-testid="expiry-warning">
            ⚠ The DLQ topic&apos;s retention deletes this record {formatRelative(d.expiresAt)} ({formatUtc(d.expiresAt)}): replay or export it before then. The row here stays.
          </p>
        )}
        {d.previous && (
          <p className="text-sm">
            Failed again: an earlier dead letter of this transaction was replayed —{' '}
            <Link className="underline" href={deadLetterHref(d.previous.id)}>
              see it
            </Link>
            .
          </p>
        )}
        {d.next.length > 0 && (
          <p className="text-sm">
            Dead-lettered again after a replay:{' '}
            {d.next.map((n) => (
              <Link key={n.id} className="mr-2 underline" href={deadLetterHref(n.id)}>
                {formatUtc(n.deadLetteredAt)}
              </Link>
            ))}
          </p>
        )}
      </header>
    </>
  )
}
