import type { Metadata } from 'next'
import { ExceptionsPage } from '@/components/exceptions/exceptions-page'
import { UrlParamNotice } from '@/components/ui/url-param-notice'
import type { RawParams } from '@/server/domain/url-params'
import { pageParamIssues } from '../url-params'

export const metadata: Metadata = { title: 'Exceptions' }

export default async function Page({ searchParams }: { searchParams: Promise<RawParams> }) {
  const issues = await pageParamIssues('exceptions', searchParams)
  return (
    <>
      <UrlParamNotice key={JSON.stringify(issues)} issues={issues} />
      <ExceptionsPage />
    </>
  )
}
