import Link from 'next/link'
import { EmptyState } from '@/components/ui/empty-state'

/** A page that does not exist, inside the console (navigation, header) so the way on is one click away. */
export default function ConsoleNotFound() {
  return (
    <EmptyState title="Page not found">
      <span data-testid="not-found">
        There is no page at this address. The link may be mistyped or from an older version. Go to the{' '}
        <Link className="underline" href="/">
          overview
        </Link>
        , search{' '}
        <Link className="underline" href="/traces">
          traces
        </Link>{' '}
        or open the{' '}
        <Link className="underline" href="/exceptions">
          exceptions
        </Link>
        .
      </span>
    </EmptyState>
  )
}
