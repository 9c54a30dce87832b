'use client'

import { PlantPicker } from '../ui/pickers'
import { useHeaderState } from './url-state'

export function PlantSelector({ plants }: { plants: { code: string; name: string }[] }) {
  const [state, setState] = useHeaderState()
  return (
    <label className="flex items-center gap-1 text-sm">
      <span className="sr-only">Plant</span>
      <PlantPicker
        aria-label="Plant"
        className="input"
        plants={plants}
        any={`All my plants (${plants.length})`}
        value={state.plant ?? ''}
        onChange={(e) => void setState({ plant: e.target.value || null })}
      />
    </label>
  )
}
