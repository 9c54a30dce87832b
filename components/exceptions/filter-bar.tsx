'use client'

import { useState } from 'react'
import { DEAD_LETTER_AGES, DEAD_LETTER_STATUS_INFO, DEAD_LETTER_STATUSES, type DeadLetterAge, type DeadLetterStatus } from '@/server/domain/dead-letters'
import { ERROR_CATEGORIES } from '@/server/domain/hop-event'
import { AssigneeOptions } from './assignee-options'
import { useExceptionFilter } from './filters'

const CATEGORIES = [...ERROR_CATEGORIES, 'unknown'] as const

/** A text facet applied on Enter or blur, so typing does not push a URL per keystroke. Keyed by its value: a URL change (back button) resets the draft. */
function TextFacet({ label, value, onChange, placeholder }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string }) {
  const [draft, setDraft] = useState(value)
  return (
    <label className="text-sm">
      {label}{' '}
      <input
        className="input w-40"
        aria-label={label}
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => draft !== value && onChange(draft)}
        onKeyDown={(e) => e.key === 'Enter' && onChange(draft)}
      />
    </label>
  )
}

export function FilterBar({ assignees }: { assignees: { id: string; email: string }[] }) {
  const [f, setF] = useExceptionFilter()
  const list = (v: string) => {
    const items = v.split(',').map((s) => s.trim()).filter(Boolean)
    return items.length ? items : null
  }
  return (
    <form className="flex flex-wrap items-end gap-3" aria-label="Exception filters" onSubmit={(e) => e.preventDefault()}>
      <TextFacet key={`q:${f.q ?? ''}`} label="Search" value={f.q ?? ''} placeholder="message, order, lot…" onChange={(v) => void setF({ q: v || null })} />
      <TextFacet key={`code:${(f.errorCode ?? []).join(',')}`} label="Error code" value={(f.errorCode ?? []).join(',')} placeholder="M7/053" onChange={(v) => void setF({ errorCode: list(v) })} />
      <TextFacet key={`flow:${(f.flow ?? []).join(',')}`} label="Flow" value={(f.flow ?? []).join(',')} placeholder="goods_movement" onChange={(v) => void setF({ flow: list(v) })} />
      <label className="text-sm">
        Category{' '}
        <select className="input" aria-label="Category" value={f.category?.[0] ?? ''} onChange={(e) => void setF({ category: e.target.value ? [e.target.value as (typeof CATEGORIES)[number]] : null })}>
          <option value="">All</option>
          {CATEGORIES.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        Status{' '}
        <select
          className="input"
          aria-label="Status"
          value={f.status?.join(',') ?? ''}
          onChange={(e) => void setF({ status: e.target.value ? (e.target.value.split(',') as DeadLetterStatus[]) : null })}
        >
          <option value="">All</option>
          <option value="new,triaged,failed_again">Needs action</option>
          {DEAD_LETTER_STATUSES.map((s) => (
            <option key={s} value={s}>
              {DEAD_LETTER_STATUS_INFO[s].label}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        Age{' '}
        <select className="input" aria-label="Age" value={f.olderThan ?? ''} onChange={(e) => void setF({ olderThan: (e.target.value || null) as DeadLetterAge | null })}>
          <option value="">Any</option>
          {Object.keys(DEAD_LETTER_AGES).map((a) => (
            <option key={a} value={a}>
              older than {a}
            </option>
          ))}
        </select>
      </label>
      <label className="text-sm">
        Assignee{' '}
        <select className="input" aria-label="Assignee" value={f.assignee ?? ''} onChange={(e) => void setF({ assignee: e.target.value || null })}>
          <option value="">Anyone</option>
          <option value="unassigned">Unassigned</option>
          <AssigneeOptions people={assignees} />
        </select>
      </label>
    </form>
  )
}
