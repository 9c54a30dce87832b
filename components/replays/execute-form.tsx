'use client'

import { useState } from 'react'
import { REPLAY_RATE, type DryRunReport } from '@/server/domain/replays'
import { ErrorNotice } from '../ui/empty-state'
import { formatCount } from '../ui/format'

export interface ExecuteFormProps {
  report: DryRunReport
  isAdmin: boolean
  rate: number
  setRate: (rate: number | null) => void
  /** The target topic for records of unknown origin; null hides the field. */
  target: string | null
  setTarget: (topic: string | null) => void
  force: boolean
  setForce: (force: boolean) => void
  forceReason: string
  setForceReason: (reason: string) => void
  /** The dry run is being redone: executing waits for it. */
  checking: boolean
  pending: boolean
  error: { message: string } | null
  onExecute: (reason: string) => void
}

/** The reason (required), the rate, and for admins forcing already-posted records; then execute. */
export function ExecuteForm(props: ExecuteFormProps) {
  const { report, isAdmin, rate, setRate, target, setTarget, force, setForce, forceReason, setForceReason } = props
  const [reason, setReason] = useState('')
  const reasonOk = reason.trim().length >= 3
  const forceOk = !force || forceReason.trim().length >= 3
  return (
    <form
      className="card space-y-3"
      aria-label="Execute the replay"
      onSubmit={(e) => {
        e.preventDefault()
        props.onExecute(reason.trim())
      }}
    >
      <label className="block text-sm">
        Reason (required: what was fixed, who asked; it goes into the audit log and the replayed records)
        <textarea className="input mt-1 block w-full" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} maxLength={2000} required />
      </label>
      <div className="flex flex-wrap gap-4">
        <label className="text-sm">
          Rate (records/s, {REPLAY_RATE.min}–{REPLAY_RATE.max})
          <input
            className="input mt-1 block w-28"
            type="number"
            min={REPLAY_RATE.min}
            max={REPLAY_RATE.max}
            value={rate}
            onChange={(e) => setRate(e.target.value ? Number(e.target.value) : null)}
          />
        </label>
        {target !== null && (
          <label className="text-sm">
            Target topic for records of unknown origin
            <input className="input mt-1 block w-80 font-mono" value={target} onChange={(e) => setTarget(e.target.value || null)} />
          </label>
        )}
      </div>
      {isAdmin && report.duplicateRisk.length > 0 && (
        <fieldset className="space-y-2 rounded border border-red-300 p-2 dark:border-red-800">
          <legend className="px-1 text-sm font-medium">Force (admins only)</legend>
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} />
            Replay the already-posted records too (they may post twice)
          </label>
          {force && (
            <label className="block text-sm">
              Why forcing is right (required, audited)
              <input className="input mt-1 block w-full" value={forceReason} onChange={(e) => setForceReason(e.target.value)} maxLength={2000} />
            </label>
          )}
        </fieldset>
      )}
      {props.error && <ErrorNotice error={props.error} />}
      <button type="submit" className="btn-primary" disabled={!report.replayable || !reasonOk || !forceOk || props.pending || props.checking}>
        {report.approval.required ? 'Submit for approval' : 'Execute'} ({formatCount(report.replayable)} records)
      </button>
    </form>
  )
}
