'use client'

import { useQuery } from '@tanstack/react-query'
import { useTRPC, type RouterInputs, type RouterOutputs } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { formatCount, formatUtc } from '../ui/format'
import { GroupFacets } from './group-facets'
import { GuidanceCard } from './guidance-card'
import { RunbookNotes } from './runbook-notes'

type GroupInput = RouterInputs['deadLetters']['group']
type History = RouterOutputs['deadLetters']['group']['history']

/**
 * One exception group above its records: counts in the time range, first/last seen (absolute),
 * what to do, where it happens (facets), what resolved it before, and the runbook notes.
 */
export function GroupPanel({ input, canWrite }: { input: GroupInput; canWrite: boolean }) {
  const trpc = useTRPC()
  const group = useQuery({ ...trpc.deadLetters.group.queryOptions(input), refetchInterval: 15_000 })
  if (group.error) return <ErrorNotice error={group.error} />
  if (!group.data) return <p className="text-sm text-slate-500">Loading the group…</p>
  const g = group.data
  return (
    <div className="space-y-3" data-testid="group-panel">
      <p className="text-sm" data-testid="group-summary">
        <strong className="tabular-nums">{formatCount(g.count)}</strong> in this time range ({formatCount(g.open)} open)
        {g.firstSeen && g.lastSeen && (
          <span className="text-slate-500">
            {' '}
            · first seen {formatUtc(g.firstSeen)} · last seen {formatUtc(g.lastSeen)}
          </span>
        )}
        {!g.lastSeen && <span className="text-slate-500"> · last seen {formatUtc(g.sample.lastSeen)} (before this range)</span>}
      </p>
      <GuidanceCard g={g.guidance} testId="group-guidance" />
      <GroupFacets facets={g.facets} />
      <div className="grid gap-3 lg:grid-cols-2">
        <ResolvedBefore h={g.history} />
        <RunbookNotes fingerprint={g.fingerprint} notes={g.notes} canWrite={canWrite} />
      </div>
    </div>
  )
}

function ResolvedBefore({ h }: { h: History }) {
  const times = (n: number) => `${formatCount(n)} ${n === 1 ? 'time' : 'times'}`
  return (
    <section className="card space-y-1 text-sm" aria-label="What resolved it before" data-testid="group-history">
      <h2 className="font-semibold">What resolved it before</h2>
      {h.replayed.times === 0 && h.discarded.times === 0 && <p className="text-slate-500">Nothing yet: no record of this group was replayed or discarded.</p>}
      {h.replayed.times > 0 && (
        <p>
          ↺ replayed — {times(h.replayed.times)} ({formatCount(h.replayed.resolved)} confirmed posted, {formatCount(h.replayed.failedAgain)} failed again)
          {h.replayed.reasons.length > 0 && <span className="text-slate-500">; reason: {h.replayed.reasons.map((r) => `“${r.reason}” (${formatCount(r.count)})`).join(', ')}</span>}
        </p>
      )}
      {h.discarded.times > 0 && (
        <p>
          ⊘ discarded — {times(h.discarded.times)}
          {h.discarded.reasons.length > 0 && <span className="text-slate-500">; reason: {h.discarded.reasons.map((r) => `“${r.reason}” (${formatCount(r.count)})`).join(', ')}</span>}
        </p>
      )}
    </section>
  )
}
