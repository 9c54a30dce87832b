'use client'

import { useState } from 'react'
import { DEFAULT_RANGE, RANGE_PRESETS, isPreset } from '@/server/domain/time-range'
import { toDateTimeLocal } from '../ui/format'
import { useHeaderState } from './url-state'

/** Grafana-style: relative presets, or an absolute range typed in local time. */
export function TimeRangePicker() {
  const [state, setState] = useHeaderState()
  const [custom, setCustom] = useState(false)
  const absolute = !!(state.from && state.to)
  const value = absolute ? 'custom' : isPreset(state.range) ? state.range : DEFAULT_RANGE

  return (
    <div className="flex items-center gap-1 text-sm">
      <select
        aria-label="Time range"
        className="input"
        value={custom ? 'custom' : value}
        onChange={(e) => {
          if (e.target.value === 'custom') return setCustom(true)
          setCustom(false)
          void setState({ range: e.target.value, from: null, to: null })
        }}
      >
        {Object.entries(RANGE_PRESETS).map(([key, preset]) => (
          <option key={key} value={key}>
            {preset.label}
          </option>
        ))}
        <option value="custom">Custom range…</option>
      </select>
      {(custom || absolute) && (
        <form
          className="flex items-center gap-1"
          onSubmit={(e) => {
            e.preventDefault()
            const form = new FormData(e.currentTarget)
            const from = new Date(String(form.get('from')))
            const to = new Date(String(form.get('to')))
            if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to) return
            setCustom(false)
            void setState({ range: null, from: from.toISOString(), to: to.toISOString() })
          }}
        >
          <input aria-label="From" name="from" type="datetime-local" className="input" defaultValue={toLocalInput(state.from)} required />
          <span aria-hidden>→</span>
          <input aria-label="To" name="to" type="datetime-local" className="input" defaultValue={toLocalInput(state.to)} required />
          <button type="submit" className="btn">
            Apply
          </button>
        </form>
      )}
    </div>
  )
}

function toLocalInput(iso: string | null): string | undefined {
  if (!iso) return undefined
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return undefined
  return toDateTimeLocal(d)
}
