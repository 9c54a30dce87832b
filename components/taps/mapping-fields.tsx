'use client'

import type { FieldDraft, KeyedDraft } from './tap-draft'

/** The message for `path`, tied to its input by id so screen readers read it with the field. */
export function FieldError({ problems, path }: { problems: Map<string, string>; path: string }) {
  const message = problems.get(path)
  return message ? (
    <span id={`tap-err-${path}`} role="alert" className="mt-1 block text-xs text-red-700 dark:text-red-300">
      {message}
    </span>
  ) : null
}

const invalidProps = (problems: Map<string, string>, path: string) =>
  problems.has(path) ? { 'aria-invalid': true as const, 'aria-describedby': `tap-err-${path}` } : {}

/** One mapping field: a JSONata expression over the record, or a constant. */
export function FieldInput(props: { label: string; path: string; field: FieldDraft; required?: boolean; hint?: string; problems: Map<string, string>; onChange: (f: FieldDraft) => void }) {
  const { field, path } = props
  return (
    <div className="text-sm">
      <span className="block">
        {props.label}
        {props.required && <span className="text-red-700 dark:text-red-300"> *</span>}
      </span>
      <div className="mt-1 flex gap-1">
        <select aria-label={`${props.label}: expression or constant`} className="input" value={field.kind} onChange={(e) => props.onChange({ ...field, kind: e.target.value as FieldDraft['kind'] })}>
          <option value="expression">expression</option>
          <option value="constant">constant</option>
        </select>
        <input
          aria-label={props.label}
          data-testid={`tap-field-${path}`}
          className="input w-96 font-mono"
          value={field.text}
          placeholder={props.hint}
          onChange={(e) => props.onChange({ ...field, text: e.target.value })}
          {...invalidProps(props.problems, path)}
        />
      </div>
      <FieldError problems={props.problems} path={path} />
    </div>
  )
}

/** Business keys or attributes: a name (picked or typed) and a field per row. */
export function KeyedFields(props: {
  legend: string
  /** `mapping.business` or `mapping.attributes`. */
  path: string
  rows: KeyedDraft[]
  /** The names a row may use (business keys); free text when absent (attributes). */
  keys?: readonly string[]
  problems: Map<string, string>
  onChange: (rows: KeyedDraft[]) => void
}) {
  const set = (i: number, row: KeyedDraft) => props.onChange(props.rows.map((r, j) => (j === i ? row : r)))
  const add = () => props.onChange([...props.rows, { key: props.keys?.find((k) => !props.rows.some((r) => r.key === k)) ?? '', field: { kind: 'expression', text: '' } }])
  return (
    <fieldset className="space-y-2">
      <legend className="font-medium">{props.legend}</legend>
      {props.rows.map((row, i) => (
        <div key={i} className="flex flex-wrap items-end gap-2">
          {props.keys ? (
            <select aria-label={`${props.legend} ${i + 1} name`} className="input" value={row.key} onChange={(e) => set(i, { ...row, key: e.target.value })}>
              {props.keys.map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            </select>
          ) : (
            <input aria-label={`${props.legend} ${i + 1} name`} className="input w-40" value={row.key} placeholder="name" onChange={(e) => set(i, { ...row, key: e.target.value })} />
          )}
          <FieldInput label={`${props.legend} ${i + 1}${row.key ? ` (${row.key})` : ''}`} path={`${props.path}.${row.key}`} field={row.field} problems={props.problems} onChange={(field) => set(i, { ...row, field })} />
          <button type="button" className="btn" aria-label={`Remove ${props.legend.toLowerCase()} ${i + 1}`} onClick={() => props.onChange(props.rows.filter((_, j) => j !== i))}>
            Remove
          </button>
        </div>
      ))}
      <button type="button" className="btn" onClick={add}>
        Add {props.keys ? 'a business key' : 'an attribute'}
      </button>
    </fieldset>
  )
}
