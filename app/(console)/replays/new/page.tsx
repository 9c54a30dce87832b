import type { Metadata } from 'next'
import { NewReplay } from '@/components/replays/new-replay'

export const metadata: Metadata = { title: 'New replay' }

export default function NewReplayPage() {
  return <NewReplay />
}
