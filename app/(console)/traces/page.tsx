import type { Metadata } from 'next'
import { TraceSearch } from '@/components/traces/trace-search'
import { UrlParamNotice } from '@/components/ui/url-param-notice'
import type { RawParams } from '@/server/domain/url-params'
import { pageParamIssues } from '../url-params'

export const metadata: Metadata = { title: 'Traces' }

export default async function TracesPage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const issues = await pageParamIssues('traces', searchParams)
  return (
    <>
      <UrlParamNotice key={JSON.stringify(issues)} issues={issues} />
      <TraceSearch />
    </>
  )
}
