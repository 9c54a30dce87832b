import type { Metadata } from 'next'
import { TraceSearch } from '@/components/traces/trace-search'

export const metadata: Metadata = { title: 'Traces' }

export default function TracesPage() {
  return <TraceSearch />
}
