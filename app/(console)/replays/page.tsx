import type { Metadata } from 'next'
import { ReplayJobsList } from '@/components/replays/jobs-list'

export const metadata: Metadata = { title: 'Replays' }

export default function ReplaysPage() {
  return <ReplayJobsList />
}
