import type { Metadata } from 'next'
import { PlantTiles } from '@/components/dashboards/plant-tiles'

export const metadata: Metadata = { title: 'Overview' }

export default function OverviewPage() {
  return <PlantTiles />
}
