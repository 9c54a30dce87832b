import type { SelectHTMLAttributes } from 'react'
import { FLOWS } from '@/server/domain/hop-event'

type SelectProps = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'children'>

/** A flow as people read it: "goods movement" for `goods_movement`. */
export function flowLabel(flow: string): string {
  return flow.replaceAll('_', ' ')
}

/**
 * The console's plant `<select>`: "code · name" per plant, after an optional first option (`any`,
 * value "") for "no plant chosen". Everything else (name, value, label, handlers) is the select's own.
 */
export function PlantPicker({ plants, any, ...select }: SelectProps & { plants: readonly { code: string; name: string }[]; any?: string }) {
  return (
    <select {...select}>
      {any !== undefined && <option value="">{any}</option>}
      {plants.map((p) => (
        <option key={p.code} value={p.code}>
          {p.code} · {p.name}
        </option>
      ))}
    </select>
  )
}

/**
 * The console's flow `<select>`: every flow of the event model, after an optional first option
 * (`any`, with `anyValue`, "" unless the form means "every flow" by another value).
 */
export function FlowPicker({ any, anyValue = '', ...select }: SelectProps & { any?: string; anyValue?: string }) {
  return (
    <select {...select}>
      {any !== undefined && <option value={anyValue}>{any}</option>}
      {FLOWS.map((f) => (
        <option key={f} value={f}>
          {flowLabel(f)}
        </option>
      ))}
    </select>
  )
}
