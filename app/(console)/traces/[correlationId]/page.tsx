import type { Metadata } from 'next'
import { TraceView } from '@/components/traces/trace-view'

export const metadata: Metadata = { title: 'Trace' }

export default async function TracePage({
  params,
  searchParams,
}: {
  params: Promise<{ correlationId: string }>
  searchParams: Promise<Record<string, string | string[] | undefined>>
}) {
  const { correlationId } = await params
  const sp = await searchParams
  const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? null
  return <TraceView correlationId={decodeURIComponent(correlationId)} t={one(sp.t)} back={one(sp.back)} />
}
