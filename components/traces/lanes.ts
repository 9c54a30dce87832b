/**
 * Timeline lanes of the trace view: one per system a hop belongs to (UI.md: Jaeger habits, business
 * words). Edge gateways report for the machine; anything unknown gets its own lane at the end.
 */
export const LANES = [
  { id: 'machine', label: 'Machine', hops: ['machine', 'edge'] },
  { id: 'mes', label: 'MES', hops: ['mes'] },
  { id: 'hub', label: 'Hub', hops: ['hub'] },
  { id: 'erp', label: 'ERP', hops: ['erp'] },
  { id: 'wms', label: 'WMS', hops: ['wms'] },
  { id: 'qms', label: 'QMS', hops: ['qms'] },
  { id: 'other', label: 'Other', hops: [] as string[] },
] as const

/** Hop status colours: CSS classes for rows, hex for the overview canvas (same Tailwind shades). */
export const STATUS_STYLE: Record<string, { bar: string; hex: string; icon: string }> = {
  ok: { bar: 'bg-emerald-500', hex: '#10b981', icon: '✓' },
  error: { bar: 'bg-red-500', hex: '#ef4444', icon: '✕' },
  retrying: { bar: 'bg-amber-500', hex: '#f59e0b', icon: '↻' },
  dead_lettered: { bar: 'bg-red-700', hex: '#b91c1c', icon: '✕' },
  partial: { bar: 'bg-violet-500', hex: '#8b5cf6', icon: '◐' },
  skipped: { bar: 'bg-slate-400', hex: '#94a3b8', icon: '–' },
}
export const UNKNOWN_STATUS_STYLE = { bar: 'bg-slate-400', hex: '#94a3b8', icon: '•' }

export function laneIndex(hop: string): number {
  const i = LANES.findIndex((l) => (l.hops as readonly string[]).includes(hop))
  return i < 0 ? LANES.length - 1 : i
}

/** A pause worth pointing out between two hops: longer than this and a visible share of the trace. */
export function isNotableGap(gapMs: number, totalMs: number): boolean {
  return gapMs >= 5_000 && gapMs >= totalMs * 0.05
}
