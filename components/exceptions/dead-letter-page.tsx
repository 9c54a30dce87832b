'use client'

import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { DeadLetterActions } from './dead-letter-actions'
import { DeadLetterHeader } from './dead-letter-header'
import { GuidanceCard } from './guidance-card'
import { DeadLetterAudit, DeadLetterComments } from './dead-letter-history'
import { DeadLetterHeaders, DeadLetterMetadata, DeadLetterPayload, DeadLetterReplays } from './dead-letter-record'

export function DeadLetterPage({ id }: { id: string }) {
  const trpc = useTRPC()
  const qc = useQueryClient()
  const dl = useQuery(trpc.deadLetters.get.queryOptions({ id }))
  const me = useQuery(trpc.me.get.queryOptions())
  const canTriage = me.data?.permissions.triage ?? false
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.deadLetters.get.queryKey({ id }) })

  if (dl.error) return <ErrorNotice error={dl.error} />
  if (!dl.data) return <p className="text-sm text-slate-500">Loading dead letter…</p>
  const d = dl.data

  return (
    <article className="space-y-4" aria-labelledby="dl-title">
      <DeadLetterHeader d={d} />
      <GuidanceCard g={d.guidance} />
      <DeadLetterActions d={d} canTriage={canTriage} refresh={refresh} />
      <DeadLetterMetadata d={d} />
      <DeadLetterPayload d={d} />
      <DeadLetterHeaders d={d} />
      <DeadLetterReplays d={d} />
      <DeadLetterComments d={d} canTriage={canTriage} refresh={refresh} />
      <DeadLetterAudit d={d} />
    </article>
  )
}
