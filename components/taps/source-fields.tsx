'use client'

import { TAP_FORMATS } from '@/server/domain/taps'
import { FieldError } from './mapping-fields'
import type { TapDraft } from './tap-draft'

const invalid = (problems: Map<string, string>, path: string) => (problems.has(path) ? { 'aria-invalid': true as const, 'aria-describedby': `tap-err-${path}` } : {})

/** Which records the tap reads and how it decodes them: name, topic, start position, format. */
export function SourceFields({ draft, isNew, problems, set }: { draft: TapDraft; isNew: boolean; problems: Map<string, string>; set: (change: Partial<TapDraft>) => void }) {
  return (
    <fieldset className="grid gap-3 sm:grid-cols-2">
      <legend className="sr-only">Source</legend>
      <label className="text-sm">
        Name <span className="text-xs text-slate-500">(its consumer group is linetrace-tap-&lt;name&gt;)</span>
        <input className="input mt-1 block w-64 font-mono" value={draft.name} disabled={!isNew} placeholder="mes-confirmations" onChange={(e) => set({ name: e.target.value })} {...invalid(problems, 'name')} />
        <FieldError problems={problems} path="name" />
      </label>
      <label className="text-sm">
        Topic <span className="text-xs text-slate-500">(a name, or /regex/ for every topic it matches)</span>
        <input className="input mt-1 block w-64 font-mono" value={draft.topic} placeholder="mes.confirmations" onChange={(e) => set({ topic: e.target.value })} {...invalid(problems, 'topic')} />
        <FieldError problems={problems} path="topic" />
      </label>
      <div className="text-sm">
        <label>
          Start position
          <select className="input mt-1 block" value={draft.start} onChange={(e) => set({ start: e.target.value as TapDraft['start'] })}>
            <option value="earliest">earliest (what the topic still holds)</option>
            <option value="latest">latest (only new records)</option>
            <option value="timestamp">from a time</option>
          </select>
        </label>
        {draft.start === 'timestamp' && (
          <label className="mt-1 block">
            <span className="sr-only">Start time (RFC 3339)</span>
            <input className="input w-64 font-mono" value={draft.startAt} placeholder="2026-12-01T06:00:00Z" onChange={(e) => set({ startAt: e.target.value })} {...invalid(problems, 'start.timestamp')} />
          </label>
        )}
        <FieldError problems={problems} path="start.timestamp" />
        <FieldError problems={problems} path="start" />
      </div>
      <div className="text-sm">
        <label>
          Format
          <select className="input mt-1 block" value={draft.format} onChange={(e) => set({ format: e.target.value as TapDraft['format'] })}>
            {TAP_FORMATS.map((f) => (
              <option key={f} value={f}>
                {f === 'cloudevents' ? 'CloudEvents' : f === 'json' ? 'JSON' : 'plain text (regex)'}
              </option>
            ))}
          </select>
        </label>
        {draft.format === 'text' && (
          <label className="mt-1 block">
            Text pattern <span className="text-xs text-slate-500">(named groups become the fields)</span>
            <input className="input block w-96 font-mono" value={draft.textPattern} placeholder="^(?<order>\d+);(?<status>\w+)$" onChange={(e) => set({ textPattern: e.target.value })} {...invalid(problems, 'textPattern')} />
          </label>
        )}
        <FieldError problems={problems} path="textPattern" />
      </div>
      <label className="text-sm">
        Pause above error rate <span className="text-xs text-slate-500">(0–1, of the last 1,000 records)</span>
        <input className="input mt-1 block w-24" inputMode="decimal" value={draft.maxErrorRate} onChange={(e) => set({ maxErrorRate: e.target.value })} {...invalid(problems, 'maxErrorRate')} />
        <FieldError problems={problems} path="maxErrorRate" />
      </label>
    </fieldset>
  )
}
