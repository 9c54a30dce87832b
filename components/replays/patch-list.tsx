import type { JsonPatchOp } from '@/server/domain/replays'

/** An RFC 6902 patch as a readable list; values as text (never HTML). */
export function PatchList({ patch }: { patch: readonly JsonPatchOp[] }) {
  return (
    <ul className="space-y-0.5 font-mono text-xs" data-testid="patch">
      {patch.map((op, i) => (
        <li key={`${op.path}:${i}`}>
          <span className={op.op === 'remove' ? 'text-red-700 dark:text-red-300' : 'text-emerald-700 dark:text-emerald-300'}>{op.op}</span> {op.path}
          {op.op !== 'remove' && <> = {JSON.stringify(op.value)}</>}
        </li>
      ))}
    </ul>
  )
}
