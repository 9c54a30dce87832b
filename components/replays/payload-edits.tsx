'use client'

import { useState } from 'react'
import type { DryRunReport, ReplayEdit } from '@/server/domain/replays'
import { EditDialog } from './edit-dialog'
import { PatchList } from './patch-list'
import { Section } from './report-section'

/** The payload edits of a hand-picked replay: their diffs, a button per editable record, and the editor. */
export function PayloadEdits({
  report,
  editable,
  edits,
  setEdits,
}: {
  report: DryRunReport
  editable: readonly string[]
  edits: readonly ReplayEdit[]
  setEdits: (update: (all: ReplayEdit[]) => ReplayEdit[]) => void
}) {
  const [editing, setEditing] = useState<string | null>(null)
  return (
    <>
      {(report.edits.length > 0 || editable.length > 0) && (
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
                  <button type="button" className="btn" onClick={() => setEditing(id)}>
                    ✎ Edit payload of {id.slice(0, 8)}
                    {edits.some((e) => e.deadLetterId === id) && ' (edited)'}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </Section>
      )}
      {editing && (
        <EditDialog
          deadLetterId={editing}
          current={edits.find((e) => e.deadLetterId === editing)?.value}
          onClose={() => setEditing(null)}
          onSave={(value) => {
            setEdits((all) => [...all.filter((e) => e.deadLetterId !== editing), { deadLetterId: editing, value }])
            setEditing(null)
          }}
        />
      )}
    </>
  )
}
