'use client'

import { useHeaderState } from './url-state'

export function PlantSelector({ plants }: { plants: { code: string; name: string }[] }) {
  const [state, setState] = useHeaderState()
  return (
    <label className="flex items-center gap-1 text-sm">
      <span className="sr-only">Plant</span>
      <select
        aria-label="Plant"
        className="input"
        value={state.plant ?? ''}
        onChange={(e) => void setState({ plant: e.target.value || null })}
      >
        <option value="">All my plants ({plants.length})</option>
        {plants.map((p) => (
          <option key={p.code} value={p.code}>
            {p.code} · {p.name}
          </option>
        ))}
      </select>
    </label>
  )
}
