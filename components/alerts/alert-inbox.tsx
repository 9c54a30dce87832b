'use client'

import { useQuery } from '@tanstack/react-query'
import type { ColumnDef } from '@tanstack/react-table'
import { parseAsArrayOf, parseAsString, parseAsStringLiteral, useQueryStates } from 'nuqs'
import { ALERT_SEVERITIES, ALERT_STATE_INFO, ALERT_STATES, flowWords, type AlertState } from '@/server/domain/alerts'
import { DataTable } from '../ui/data-table'
import { RowCount } from '../ui/row-count'
import { EmptyState, ErrorNotice } from '../ui/empty-state'
import { formatCount, formatPlantTime, formatRelative, formatUtc } from '../ui/format'
import { useHeaderState } from '../shell/url-state'
import { useTRPC, type RouterOutputs } from '../trpc/client'
import { usePlantTimeZone } from '../shell/use-plant-time-zone'
import { AlertStateBadge, SeverityBadge } from './alert-badges'
import { AlertPeek } from './alert-peek'
import { AlertsTabs } from './alerts-tabs'

export type AlertRow = RouterOutputs['alerts']['list']['items'][number]

/** Inbox filters live in the URL (shareable): states, severities and the alert open in the peek panel. */
export const inboxParams = {
  state: parseAsArrayOf(parseAsStringLiteral(ALERT_STATES)).withDefault(['firing', 'acknowledged']),
  severity: parseAsArrayOf(parseAsStringLiteral(ALERT_SEVERITIES)).withDefault([]),
  alert: parseAsString,
}

const OPEN: AlertState[] = ['firing', 'acknowledged']

export function AlertInbox({ canAcknowledge, isAdmin }: { canAcknowledge: boolean; isAdmin: boolean }) {
  const trpc = useTRPC()
  const [header] = useHeaderState()
  const [filters, setFilters] = useQueryStates(inboxParams, { history: 'push' })
  const timeZone = usePlantTimeZone()
  const list = useQuery({
    ...trpc.alerts.list.queryOptions({
      plants: header.plant ? [header.plant] : undefined,
      state: filters.state.length ? filters.state : undefined,
      severity: filters.severity.length ? filters.severity : undefined,
      limit: 200,
    }),
    refetchInterval: 30_000,
  })

  const columns: ColumnDef<AlertRow>[] = [
    {
      id: 'severity',
      header: 'Severity',
      accessorFn: (r) => ALERT_SEVERITIES.indexOf(r.severity),
      cell: ({ row }) => <SeverityBadge severity={row.original.severity} />,
    },
    { id: 'plant', header: 'Plant', meta: { priority: 2 }, accessorFn: (r) => r.plant },
    {
      id: 'rule',
      header: 'Rule',
      accessorFn: (r) => r.ruleName,
      cell: ({ row }) => (
        <span className="block max-w-64 truncate" title={row.original.ruleName}>
          {row.original.ruleName}
          {row.original.flow !== '*' && <span className="text-slate-500"> · {flowWords(row.original.flow)}</span>}
        </span>
      ),
    },
    {
      id: 'reason',
      header: 'Reason',
      enableSorting: false,
      cell: ({ row }) => (
        <span className="block max-w-xl whitespace-normal" data-testid="alert-reason">
          {row.original.reason}
        </span>
      ),
    },
    {
      id: 'since',
      header: 'Since',
      meta: { priority: 2 },
      accessorFn: (r) => r.firedAt ?? r.startedAt,
      cell: ({ row }) => {
        const since = new Date(row.original.firedAt ?? row.original.startedAt)
        return (
          <time dateTime={since.toISOString()} title={`${formatPlantTime(since, timeZone(row.original.plant))} · ${formatUtc(since)}`}>
            {formatRelative(since)}
          </time>
        )
      },
    },
    { id: 'state', header: 'State', accessorFn: (r) => r.state, cell: ({ row }) => <AlertStateBadge state={row.original.state} /> },
  ]

  const counts = list.data?.counts
  const items = list.data?.items ?? []
  const where = header.plant ? `plant ${header.plant}` : 'your plants'
  const showing = filters.state.map((s) => ALERT_STATE_INFO[s].label).join(' or ') || 'any'

  return (
    <div className="space-y-4">
      <AlertsTabs current="inbox" isAdmin={isAdmin} />
      <div className="flex flex-wrap items-center gap-2" role="group" aria-label="Alert state">
        {ALERT_STATES.map((s) => {
          const on = filters.state.includes(s)
          return (
            <button
              key={s}
              type="button"
              aria-pressed={on}
              className={on ? 'btn-primary' : 'btn'}
              onClick={() => void setFilters({ state: on ? filters.state.filter((x) => x !== s) : [...filters.state, s] })}
            >
              {ALERT_STATE_INFO[s].label}
              {counts && <span className="tabular-nums">({formatCount(counts[s])})</span>}
            </button>
          )
        })}
        <label className="ml-2 flex items-center gap-1 text-sm">
          Severity
          <select
            className="input"
            aria-label="Severity"
            value={filters.severity[0] ?? ''}
            onChange={(e) => void setFilters({ severity: e.target.value ? [e.target.value as (typeof ALERT_SEVERITIES)[number]] : [] })}
          >
            <option value="">any</option>
            {ALERT_SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <div className="ml-auto">{list.data && <RowCount first={1} shown={items.length} total={filters.state.reduce((n, s) => n + (counts?.[s] ?? 0), 0)} />}</div>
      </div>
      {list.error && <ErrorNotice error={list.error} />}
      <div className={`grid gap-4 ${filters.alert ? 'lg:grid-cols-[minmax(0,1fr)_26rem]' : ''}`}>
        <DataTable
          label="Alerts"
          testId="alerts-table"
          data={items}
          columns={columns}
          getRowId={(r) => r.id}
          openId={filters.alert}
          onOpen={(r) => void setFilters({ alert: r.id })}
          onClose={() => void setFilters({ alert: null })}
          empty={
            list.isLoading ? (
              <p className="p-4 text-sm text-slate-500">Loading alerts…</p>
            ) : (
              <EmptyState title={`No ${showing} alerts in ${where}`}>
                {filters.state.every((s) => OPEN.includes(s))
                  ? 'Every rule’s condition is clear right now. Resolved alerts stay listed under “resolved”; rules are on the Rules tab.'
                  : 'Nothing matches these filters. Widen the state or severity filter, or choose “All my plants” in the header.'}
              </EmptyState>
            )
          }
        />
        {filters.alert && (
          <AlertPeek
            id={filters.alert}
            timeZone={(plant) => timeZone(plant)}
            canAcknowledge={canAcknowledge}
            onClose={() => void setFilters({ alert: null })}
          />
        )}
      </div>
    </div>
  )
}
