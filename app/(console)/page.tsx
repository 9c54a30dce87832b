import type { Metadata } from 'next'
import { PlantOverview } from '@/components/overview/plant-overview'

export const metadata: Metadata = { title: 'Overview' }

export default function OverviewPage() {
  return <PlantOverview />
}
