import { guidanceFor } from '@/server/domain/error-guidance'

/**
 * "What to do" for a hop's error, from the same catalogue the dead-letter page and the exception
 * group use (server/domain/error-guidance.ts), so the trace and the dead letter never disagree.
 */
export function HopGuidance({ category, code, text }: { category: string; code: string | null; text: string | null }) {
  const g = guidanceFor({ code, category, text })
  return (
    <div className="mt-1 space-y-0.5 text-xs" data-testid="hop-guidance" data-guidance-key={g.key}>
      <p>
        <strong>What to do: </strong>
        {g.title}. {g.how}
      </p>
      <p className="text-slate-600 dark:text-slate-400">
        Who fixes it: {g.whoFixes}.{' '}
        {g.replayBeforeFixCanSucceed ? 'A replay can succeed as is.' : 'Replaying before the fix fails again.'}
      </p>
    </div>
  )
}
