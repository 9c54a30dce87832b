/**
 * The words of the Reconciliation view: the kinds of difference between what the shop floor sent
 * and what ERP posted (definitions in server/clickhouse/queries/reconciliation.ts). Pure, so client
 * components may import it.
 */

export const RECON_KINDS = ['never_posted', 'posted_twice', 'quantity_differs', 'posted_late'] as const
export type ReconKind = (typeof RECON_KINDS)[number]

export const RECON_KIND_INFO: Readonly<Record<ReconKind, { label: string; icon: string; description: string }>> = {
  never_posted: {
    label: 'never posted',
    icon: '✕',
    description: 'No ERP posting, and older than the flow SLA or parked in a dead-letter queue.',
  },
  posted_twice: { label: 'posted twice', icon: '⧉', description: 'Two or more distinct ERP documents for one source transaction.' },
  quantity_differs: { label: 'quantity differs', icon: '≠', description: 'The quantity ERP confirmed is not the quantity the shop floor reported.' },
  posted_late: { label: 'posted late', icon: '◷', description: 'Posted, but later than the flow SLA after the source event.' },
}

export function isReconKind(value: string): value is ReconKind {
  return (RECON_KINDS as readonly string[]).includes(value)
}

/** The longest window the Reconciliation view and `GET /api/v1/reconciliation` read at once. */
export const RECON_MAX_DAYS = 92
