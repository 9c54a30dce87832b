import type { Metadata } from 'next'
import { DeadLetterPage } from '@/components/exceptions/dead-letter-page'

export const metadata: Metadata = { title: 'Dead letter' }

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return <DeadLetterPage id={decodeURIComponent(id)} />
}
