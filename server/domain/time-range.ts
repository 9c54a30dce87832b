/**
 * Time ranges as they appear in URLs (`?range=24h` or `?from=…&to=…`), shared by the UI, tRPC
 * inputs and queries. Pure so client components can use it.
 */
export const RANGE_PRESETS = {
  '15m': { label: 'Last 15 minutes', ms: 15 * 60_000 },
  '1h': { label: 'Last 1 hour', ms: 60 * 60_000 },
  '6h': { label: 'Last 6 hours', ms: 6 * 60 * 60_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 60 * 60_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 60 * 60_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 60 * 60_000 },
} as const

export type RangePreset = keyof typeof RANGE_PRESETS
export const DEFAULT_RANGE: RangePreset = '24h'
/** Longer ranges would scan more than dashboards are budgeted for. */
export const MAX_RANGE_MS = 400 * 24 * 60 * 60_000

export interface TimeRange {
  from: Date
  to: Date
}

export function isPreset(value: string | null | undefined): value is RangePreset {
  return !!value && Object.hasOwn(RANGE_PRESETS, value)
}

/** Resolves URL parameters to absolute times; anything unparseable falls back to the default preset. */
export function resolveRange(params: { range?: string | null; from?: string | null; to?: string | null }, now = new Date()): TimeRange {
  if (params.from && params.to) {
    const from = new Date(params.from)
    const to = new Date(params.to)
    if (!Number.isNaN(from.getTime()) && !Number.isNaN(to.getTime()) && from < to && to.getTime() - from.getTime() <= MAX_RANGE_MS)
      return { from, to }
  }
  const preset = isPreset(params.range) ? params.range : DEFAULT_RANGE
  return { from: new Date(now.getTime() - RANGE_PRESETS[preset].ms), to: now }
}
