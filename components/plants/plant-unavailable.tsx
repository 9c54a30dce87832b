import Link from 'next/link'
import { EmptyState } from '@/components/ui/empty-state'

/**
 * A plant page for a plant the caller cannot open. Out-of-scope and unknown plants look alike, so
 * the page does not reveal which plants exist; only those who may see every plant learn that it
 * does not exist.
 */
export function PlantUnavailable({ plant, seesAllPlants }: { plant: string; seesAllPlants: boolean }) {
  if (seesAllPlants)
    return (
      <EmptyState title="No such plant">
        There is no plant <code>{plant}</code>. Pick one of the{' '}
        <Link className="underline" href="/plants">
          plants
        </Link>
        , or add it under Admin.
      </EmptyState>
    )
  return (
    <EmptyState title="Not in your plants">
      Plant <code>{plant}</code> is not one of the plants you may see. Ask an admin to add it to your account, or go back to{' '}
      <Link className="underline" href="/">
        your plants
      </Link>
      .
    </EmptyState>
  )
}
