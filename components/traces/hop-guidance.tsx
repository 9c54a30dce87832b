import { ERROR_CATEGORY_ADVICE } from '@/server/domain/trace-search'

/**
 * "What to do" for a hop's error. The one place the trace view reads guidance from, so the error-code
 * catalogue (guidance per code, issue 19 item 2) replaces the per-category advice here alone.
 */
export function HopGuidance({ category }: { category: string; /** The catalogue's key; the category advice does not use it. */ code: string | null }) {
  return (
    <p className="mt-1 text-xs" data-testid="hop-guidance">
      <strong>What to do: </strong>
      {ERROR_CATEGORY_ADVICE[category] ?? 'Check the error text and the target system.'}
    </p>
  )
}
