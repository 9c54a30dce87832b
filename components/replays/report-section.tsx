import type { ReactNode } from 'react'
import { formatCount } from '../ui/format'

/** One finding of the dry run: a titled card with its count. */
export function Section({ title, count, testId, children }: { title: string; count: number; testId: string; children: ReactNode }) {
  return (
    <section className="card space-y-2" data-testid={testId} aria-label={title}>
      <h2 className="font-semibold">
        {title} <span className="tabular-nums text-slate-500">({formatCount(count)})</span>
      </h2>
      {children}
    </section>
  )
}
