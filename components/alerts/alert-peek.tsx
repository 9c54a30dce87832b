'use client'

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import Link from 'next/link'
import { useState, type FormEvent } from 'react'
import { ALERT_RULE_KIND_INFO, flowWords, formatAlertValue } from '@/server/domain/alerts'
import { ErrorNotice } from '../ui/empty-state'
import { formatPlantTime, formatUtc } from '../ui/format'
import { useTRPC } from '../trpc/client'
import { AlertStateBadge, SeverityBadge } from './alert-badges'
import { alertLinkHref } from '@/server/domain/links'

function When({ label, at, timeZone }: { label: string; at: string | null; timeZone: string }) {
  if (!at) return null
  const d = new Date(at)
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd>
        <time dateTime={at} title={formatUtc(d)}>
          {formatPlantTime(d, timeZone)}
        </time>
      </dd>
    </>
  )
}

/** One alert beside the list: what, how much, since when, what explains it, and acknowledging it. */
export function AlertPeek({
  id,
  timeZone,
  canAcknowledge,
  onClose,
}: {
  id: string
  timeZone: (plant: string) => string
  canAcknowledge: boolean
  onClose: () => void
}) {
  const trpc = useTRPC()
  const queryClient = useQueryClient()
  const alert = useQuery(trpc.alerts.get.queryOptions({ id }))
  const [comment, setComment] = useState('')
  const acknowledge = useMutation(
    trpc.alerts.acknowledge.mutationOptions({
      onSuccess: () => {
        setComment('')
        void queryClient.invalidateQueries({ queryKey: trpc.alerts.pathKey() })
      },
    }),
  )

  function onAcknowledge(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    acknowledge.mutate({ id, comment })
  }

  const a = alert.data
  return (
    <aside aria-label="Alert details" className="card space-y-3 self-start lg:sticky lg:top-20" data-testid="alert-peek">
      <div className="flex items-start justify-between gap-2">
        <h2 className="font-semibold">{a?.ruleName ?? 'Alert'}</h2>
        <button type="button" className="btn" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </div>
      {alert.error && <ErrorNotice error={alert.error} />}
      {a && a.id === id && (
        <>
          <div className="flex flex-wrap gap-2">
            <SeverityBadge severity={a.severity} />
            <AlertStateBadge state={a.state} />
            <span className="text-sm text-slate-600 dark:text-slate-400">
              plant {a.plant}
              {a.flow !== '*' && ` · ${flowWords(a.flow)}`}
              {a.line && ` · line ${a.line}`}
            </span>
          </div>
          <p className="text-sm" data-testid="alert-peek-reason">
            {a.reason}
          </p>
          <dl className="grid grid-cols-[7rem_1fr] gap-y-1 text-sm">
            <dt className="text-slate-500">Value</dt>
            <dd className="tabular-nums">
              {formatAlertValue(a.value, a.unit)} <span className="text-slate-500">(threshold {formatAlertValue(a.threshold, a.unit)})</span>
            </dd>
            <dt className="text-slate-500">Rule kind</dt>
            <dd>{ALERT_RULE_KIND_INFO[a.kind].label}</dd>
            <When label="Condition since" at={a.startedAt} timeZone={timeZone(a.plant)} />
            <When label="Firing since" at={a.firedAt} timeZone={timeZone(a.plant)} />
            <When label="Resolved" at={a.resolvedAt} timeZone={timeZone(a.plant)} />
            <When label="Last checked" at={a.lastEvaluatedAt} timeZone={timeZone(a.plant)} />
          </dl>
          {a.links.length > 0 && (
            <div>
              <h3 className="text-xs font-medium uppercase tracking-wide text-slate-500">What explains it</h3>
              <ul className="mt-1 space-y-1 text-sm">
                {a.links.map((l) => (
                  <li key={`${l.page}-${l.label}`}>
                    <Link className="text-sky-700 underline dark:text-sky-400" href={alertLinkHref(l)}>
                      {l.label} →
                    </Link>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {a.acknowledgedAt ? (
            <p className="rounded border border-amber-300 bg-amber-50 p-2 text-sm dark:border-amber-800 dark:bg-amber-950" data-testid="alert-ack">
              Acknowledged by {a.acknowledgedBy}{' '}
              <time dateTime={a.acknowledgedAt} title={formatUtc(a.acknowledgedAt)}>
                {formatPlantTime(new Date(a.acknowledgedAt), timeZone(a.plant))}
              </time>
              : “{a.ackComment}”
            </p>
          ) : a.state === 'firing' && canAcknowledge ? (
            <form onSubmit={onAcknowledge} className="space-y-2" aria-label="Acknowledge alert">
              <label className="block text-sm">
                Comment (what you are doing about it)
                <textarea
                  className="input mt-1 block w-full"
                  rows={3}
                  required
                  minLength={3}
                  maxLength={1000}
                  value={comment}
                  onChange={(e) => setComment(e.target.value)}
                  placeholder="e.g. Period opens at 10:00; replaying the dead letters then"
                />
              </label>
              {acknowledge.error && <ErrorNotice error={acknowledge.error} />}
              <button type="submit" className="btn-primary" disabled={acknowledge.isPending || comment.trim().length < 3}>
                Acknowledge
              </button>
            </form>
          ) : a.state === 'firing' ? (
            <p className="text-sm text-slate-500">Operators of plant {a.plant} can acknowledge this alert.</p>
          ) : null}
          {a.deliveries.length > 0 && (
            <p className="text-xs text-slate-500" data-testid="alert-deliveries">
              Notifications: {a.deliveries.map((d) => `${d.event} to ${d.channelName}: ${d.status}${d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`).join(' · ')}
            </p>
          )}
        </>
      )}
    </aside>
  )
}
