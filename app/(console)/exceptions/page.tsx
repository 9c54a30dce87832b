import type { Metadata } from 'next'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Exceptions' }

export default function ExceptionsPage() {
  return (
    <EmptyState title="No dead letters indexed yet">
      Dead-letter triage groups failed postings by root cause once the DLQ indexer reads your dead-letter topics (names ending in{' '}
      <code>.dlq</code>, <code>-dlt</code> or <code>.DLT</code>).
    </EmptyState>
  )
}
