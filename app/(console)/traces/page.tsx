import type { Metadata } from 'next'
import { EmptyState } from '@/components/ui/empty-state'

export const metadata: Metadata = { title: 'Traces' }

export default function TracesPage() {
  return (
    <EmptyState title="Trace search is not available yet">
      This page will find any transaction by correlation id, work order, lot, material, shipment or ERP document and show its hops from
      machine event to ERP posting. Hop events already being ingested will be searchable when it arrives.
    </EmptyState>
  )
}
