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

export function laneIndex(hop: string): number {
  const i = LANES.findIndex((l) => (l.hops as readonly string[]).includes(hop))
  return i < 0 ? LANES.length - 1 : i
}

/** A pause worth pointing out between two hops: longer than this and a visible share of the trace. */
export function isNotableGap(gapMs: number, totalMs: number): boolean {
  return gapMs >= 5_000 && gapMs >= totalMs * 0.05
}
