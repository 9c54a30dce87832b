'use client'

import type { ErrorGuidance } from '@/server/domain/error-guidance'

/**
 * "What to do" for an error (server/domain/error-guidance.ts): what it means, who usually fixes it,
 * how, and whether replaying before the fix can succeed. The dead-letter page and the exception
 * group show it; the trace view's hop panel calls the same `guidanceFor`.
 */
export function GuidanceCard({ g, testId = 'guidance' }: { g: ErrorGuidance; testId?: string }) {
  return (
    <section className="card space-y-1 text-sm" aria-label="What to do" data-testid={testId} data-guidance-key={g.key}>
      <h2 className="font-semibold">
        What to do: <span data-testid="guidance-title">{g.title}</span>
        {g.matchedBy === 'category' && <span className="ml-2 font-normal text-slate-500">(general advice for this kind of error)</span>}
      </h2>
      <p>{g.meaning}</p>
      <dl className="grid grid-cols-[max-content_1fr] gap-x-3 gap-y-1">
        <dt className="text-slate-500">Who fixes it</dt>
        <dd>{g.whoFixes}</dd>
        <dt className="text-slate-500">How</dt>
        <dd data-testid="guidance-how">{g.how}</dd>
        <dt className="text-slate-500">Replay before the fix</dt>
        <dd data-testid="guidance-replay">{g.replayBeforeFixCanSucceed ? '↻ can succeed (the cause passes by itself)' : '✕ fails again: fix the cause first'}</dd>
      </dl>
    </section>
  )
}
