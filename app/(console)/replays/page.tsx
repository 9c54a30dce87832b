import type { Metadata } from 'next'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Replays' }

export default function ReplaysPage() {
  return (
    <EmptyState title="No replay jobs yet">
      Replay jobs are created from the Exceptions page: select dead letters, review the dry run, then execute. Their progress and per-record
      outcomes are listed here.
    </EmptyState>
  )
}
