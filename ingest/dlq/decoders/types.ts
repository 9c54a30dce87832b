import type { Headers } from '../../../server/bus/port'

/**
 * What every DLQ header convention decodes into (DLQ-REPLAY.md "Reading dead letters"): where the
 * record came from, who failed on it and why. Fields a convention does not carry stay undefined.
 */
export interface DecodedDlq {
  convention: DlqConvention
  sourceTopic?: string
  sourcePartition?: number
  sourceOffset?: bigint
  /** When the original record was written (ms since the epoch). */
  sourceTimestamp?: number
  consumerGroup?: string
  errorClass?: string
  errorMessage?: string
  stackTrace?: string
  attempts?: number
  /** Only conventions that say so (our hub); the others are classified from the exception. */
  errorCategory?: string
  errorCode?: string
  flow?: string
  /** Convention-specific extras worth showing (connector, task, stage, hub instance, reason…). */
  details: Record<string, string>
}

export const DLQ_CONVENTIONS = ['spring', 'connect', 'streams', 'smallrye', 'hub', 'linetrace', 'share_group', 'unknown'] as const
export type DlqConvention = (typeof DLQ_CONVENTIONS)[number]

export interface DlqDecoder {
  convention: Exclude<DlqConvention, 'unknown' | 'share_group'>
  /** True when the record carries this convention's headers. */
  matches(headers: Headers): boolean
  decode(headers: Headers): DecodedDlq
}
