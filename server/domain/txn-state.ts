/**
 * The business state of a transaction, in the one vocabulary every view uses (UI.md "One
 * vocabulary of state"). The state itself is derived in ClickHouse (`queries/txn-state.ts`), so
 * lists, filters, counts and alerts agree; this module holds the words, tones and icons, and which
 * flows end in a posting. Pure, so client components may import it.
 */

export const TXN_STATES = ['posted', 'in_progress', 'retrying', 'waiting', 'partial', 'dead_lettered', 'stuck'] as const
export type TxnState = (typeof TXN_STATES)[number]

/** Colour family of a state; never the only carrier: every state has a word and an icon too. */
export type Tone = 'ok' | 'neutral' | 'warn' | 'partial' | 'bad'

export interface StateInfo {
  label: string
  tone: Tone
  /** A glyph that reads without colour (printouts, colour-blind users). */
  icon: string
  description: string
}

export const TXN_STATE_INFO: Readonly<Record<TxnState, StateInfo>> = {
  posted: { label: 'posted', tone: 'ok', icon: '✓', description: 'The target system confirmed the posting.' },
  in_progress: { label: 'in progress', tone: 'neutral', icon: '…', description: 'Hops seen, no posting yet, within the flow SLA.' },
  retrying: { label: 'retrying', tone: 'warn', icon: '↻', description: 'A transient failure; the hub retries with back-off.' },
  waiting: {
    label: 'waiting on dependency',
    tone: 'warn',
    icon: '◷',
    description: 'Waits for an upstream posting (e.g. a stock transfer) before it can post.',
  },
  partial: { label: 'partial', tone: 'partial', icon: '◐', description: 'The confirmation posted, part of it (a goods movement) failed.' },
  dead_lettered: { label: 'dead-lettered', tone: 'bad', icon: '✕', description: 'Parked in a dead-letter queue: needs a person.' },
  stuck: { label: 'stuck', tone: 'bad', icon: '⚠', description: 'No posting within the flow SLA and nothing parked it: look now.' },
}

/**
 * Flows whose transactions end in an ERP posting; only they can be stuck. The others complete
 * when their last hop reports ok (a hold applied everywhere, an order released to MES).
 */
export const POSTING_FLOWS = ['production_confirmation', 'goods_movement', 'inventory_transfer', 'shipment'] as const

export function isTxnState(value: string): value is TxnState {
  return (TXN_STATES as readonly string[]).includes(value)
}
