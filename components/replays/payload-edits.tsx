'use client'

import type { DryRunReport, ReplayEdit } from '@/server/domain/replays'
import { PatchList } from './patch-list'
import { Section } from './report-section'

/** The payload edits of a hand-picked replay: their diffs, and a button per editable record that opens the editor. */
export function PayloadEdits({
  report,
  editable,
  edits,
  onEdit,
}: {
  report: DryRunReport
  editable: readonly string[]
  edits: readonly ReplayEdit[]
  onEdit: (deadLetterId: string) => void
}) {
  if (report.edits.length === 0 && editable.length === 0) return null
  return (
    <Section title="Payload edits" count={report.edits.length} testId="edits">
      {report.edits.map((e) => (
        <div key={e.deadLetterId} className="text-sm">
          <span className="font-mono text-xs">{e.deadLetterId.slice(0, 8)}</span>
          <PatchList patch={e.patch} />
        </div>
      ))}
      {editable.length > 0 && (
        <ul className="flex flex-wrap gap-2">
          {editable.map((id) => (
            <li key={id}>
              <button type="button" className="btn" onClick={() => onEdit(id)}>
                ✎ Edit payload of {id.slice(0, 8)}
                {edits.some((e) => e.deadLetterId === id) && ' (edited)'}
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  )
}
