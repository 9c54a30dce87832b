import { formatDuration } from '../ui/format'

/**
 * How long a transaction took, or has been waiting, against its flow SLA — in the same words in the
 * trace header and the traces list. A posted transaction has an end-to-end latency; an open one
 * (in progress, retrying, waiting, stuck, dead-lettered) only an age since its source event, the
 * age that decides "stuck". Showing the time to its last hop instead ("2 min 32 s (so far)") made a
 * transaction 6 minutes old look within a 5-minute SLA.
 */

export interface TxnTimingInput {
  e2e_latency_ms: number | null
  age_ms: number | null
  sla_ms: number
}

export interface TxnTiming {
  /** 'latency' once posted, 'age' while open. */
  kind: 'latency' | 'age'
  ms: number | null
  /** Past the flow SLA. */
  over: boolean
  /** "open for 6 min 33 s, SLA 5 min — missed", "2 min 32 s of 5 min SLA". */
  text: string
}

export function txnTiming(t: TxnTimingInput): TxnTiming {
  const sla = formatDuration(t.sla_ms)
  if (t.age_ms !== null) {
    const over = t.age_ms > t.sla_ms
    return { kind: 'age', ms: t.age_ms, over, text: `open for ${formatDuration(t.age_ms)}, SLA ${sla}${over ? ' — missed' : ''}` }
  }
  const over = t.e2e_latency_ms !== null && t.e2e_latency_ms > t.sla_ms
  return { kind: 'latency', ms: t.e2e_latency_ms, over, text: `${formatDuration(t.e2e_latency_ms)} of ${sla} SLA${over ? ' — over' : ''}` }
}
