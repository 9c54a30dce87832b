import Link from 'next/link'
import type { DryRunReport } from '@/server/domain/replays'
import { deadLetterHref, traceHref } from '@/server/domain/links'
import { formatUtc } from '../ui/format'
import { Section } from './report-section'

/** What the dry run found that needs a look: already-posted records, newer events for the same key, records it cannot replay. */
export function DryRunRisks({ report, isAdmin }: { report: DryRunReport; isAdmin: boolean }) {
  return (
    <>
      {report.duplicateRisk.length > 0 && (
        <Section title="Duplicate risk: already posted" count={report.duplicateRisk.length + report.truncated.duplicateRisk} testId="duplicate-risk">
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Their transaction already shows a successful ERP posting with the same idempotency key. They are left out
            {isAdmin ? ' unless you force them (below), with a reason' : '; only an admin can force them'}.
          </p>
          <ul className="space-y-1 text-sm">
            {report.duplicateRisk.map((d) => (
              <li key={d.deadLetterId}>
                <Link className="font-mono text-xs underline" href={deadLetterHref(d.deadLetterId)}>
                  {d.deadLetterId.slice(0, 8)}
                </Link>{' '}
                {d.correlationId && (
                  <Link className="font-mono text-xs underline" href={traceHref(d.correlationId)}>
                    {d.correlationId}
                  </Link>
                )}{' '}
                posted <span title={formatUtc(d.postedAt)}>{formatUtc(d.postedAt)}</span>
                {d.erpDocument && <> as document {d.erpDocument}</>} · {d.blocked ? 'blocked' : '⚠ forced'}
              </li>
            ))}
          </ul>
        </Section>
      )}

      {report.orderingRisk.length > 0 && (
        <Section title="Ordering risk: newer events for the same key" count={report.orderingRisk.length + report.truncated.orderingRisk} testId="ordering-risk">
          <p className="text-sm text-slate-600 dark:text-slate-400">
            Since these records failed, another transaction of the same work order (or lot) posted. Replaying now posts the older message after the
            newer one; check that this is what ERP should see. They are replayed unless you narrow the selection.
          </p>
          <ul className="space-y-1 text-sm">
            {report.orderingRisk.map((o) => (
              <li key={o.deadLetterId}>
                <Link className="font-mono text-xs underline" href={deadLetterHref(o.deadLetterId)}>
                  {o.deadLetterId.slice(0, 8)}
                </Link>{' '}
                {o.keyType.replace('_', ' ')} <span className="font-mono text-xs">{o.keyValue}</span>: newer{' '}
                <Link className="font-mono text-xs underline" href={traceHref(o.newerCorrelationId)}>
                  {o.newerCorrelationId}
                </Link>{' '}
                posted {formatUtc(o.newerPostedAt)}
              </li>
            ))}
          </ul>
        </Section>
      )}

      {report.notReplayable.length > 0 && (
        <Section title="Not replayable" count={report.notReplayable.length + report.truncated.notReplayable} testId="not-replayable">
          <ul className="space-y-1 text-sm">
            {report.notReplayable.map((n) => (
              <li key={n.deadLetterId}>
                <Link className="font-mono text-xs underline" href={deadLetterHref(n.deadLetterId)}>
                  {n.deadLetterId.slice(0, 8)}
                </Link>{' '}
                {n.errorCode && <span className="font-mono text-xs">{n.errorCode} </span>}
                {n.detail}
              </li>
            ))}
          </ul>
        </Section>
      )}
    </>
  )
}
