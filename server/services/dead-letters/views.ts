import type { DeadLetter } from '../../db/client'
import type { DeadLetterSource, DeadLetterStatus } from '../../domain/dead-letters'
import { guidanceFor, type ErrorGuidance } from '../../domain/error-guidance'

/**
 * A dead letter as lists, the REST API and CSV show it: decoded fields and state, no payload
 * bytes. `expiresSoon`: the DLQ topic's retention will delete the record within the last
 * EXPIRY_WARN_SHARE of its retention (replay or export it before that).
 */

export const EXPIRY_WARN_SHARE = 0.2

export interface DeadLetterView {
  id: string
  status: DeadLetterStatus
  topic: string
  partition: number
  offset: string
  deadLetteredAt: Date
  convention: string
  sourceTopic: string | null
  sourcePartition: number | null
  sourceOffset: string | null
  consumerGroup: string | null
  errorClass: string | null
  errorMessage: string | null
  errorCategory: string | null
  errorCode: string | null
  attempts: number | null
  correlationId: string | null
  originTime: Date | null
  plant: string | null
  flow: string | null
  fingerprint: string
  businessKeys: Record<string, string>
  assigneeId: string | null
  previousId: string | null
  resolvedAt: Date | null
  expiresAt: Date | null
  expiresSoon: boolean
  /** What the error means, who fixes it, how, and whether a replay before the fix can succeed. */
  guidance: ErrorGuidance
  /** Where it failed, beyond topic/partition/offset: fields a convention does not carry are null. */
  source: DeadLetterSource
}

export const VIEW_SELECT = {
  id: true,
  status: true,
  topic: true,
  partition: true,
  offset: true,
  recordTimestamp: true,
  convention: true,
  sourceTopic: true,
  sourcePartition: true,
  sourceOffset: true,
  consumerGroup: true,
  errorClass: true,
  errorMessage: true,
  errorCategory: true,
  errorCode: true,
  attempts: true,
  correlationId: true,
  originTime: true,
  plantCode: true,
  flow: true,
  fingerprint: true,
  businessKeys: true,
  assigneeId: true,
  previousId: true,
  resolvedAt: true,
  expiresAt: true,
  sourceTimestamp: true,
  connector: true,
  taskId: true,
  stage: true,
  executingClass: true,
  processorNode: true,
} as const

type Selected = Pick<DeadLetter, keyof typeof VIEW_SELECT>

export function expiresSoon(dl: Pick<DeadLetter, 'recordTimestamp' | 'expiresAt' | 'status'>, now = Date.now()): boolean {
  if (!dl.expiresAt || dl.status === 'resolved' || dl.status === 'discarded') return false
  const span = dl.expiresAt.getTime() - dl.recordTimestamp.getTime()
  return now >= dl.expiresAt.getTime() - span * EXPIRY_WARN_SHARE
}

export function toView(dl: Selected, now = Date.now()): DeadLetterView {
  return {
    id: dl.id,
    status: dl.status,
    topic: dl.topic,
    partition: dl.partition,
    offset: String(dl.offset),
    deadLetteredAt: dl.recordTimestamp,
    convention: dl.convention,
    sourceTopic: dl.sourceTopic,
    sourcePartition: dl.sourcePartition,
    sourceOffset: dl.sourceOffset === null ? null : String(dl.sourceOffset),
    consumerGroup: dl.consumerGroup,
    errorClass: dl.errorClass,
    errorMessage: dl.errorMessage,
    errorCategory: dl.errorCategory,
    errorCode: dl.errorCode,
    attempts: dl.attempts,
    correlationId: dl.correlationId,
    originTime: dl.originTime,
    plant: dl.plantCode,
    flow: dl.flow,
    fingerprint: dl.fingerprint,
    businessKeys: (dl.businessKeys ?? {}) as Record<string, string>,
    assigneeId: dl.assigneeId,
    previousId: dl.previousId,
    resolvedAt: dl.resolvedAt,
    expiresAt: dl.expiresAt,
    expiresSoon: expiresSoon(dl, now),
    guidance: guidanceFor({ code: dl.errorCode, category: dl.errorCategory, text: dl.errorMessage, errorClass: dl.errorClass }),
    source: {
      connector: dl.connector,
      task: dl.taskId,
      stage: dl.stage,
      class: dl.executingClass,
      consumerGroup: dl.consumerGroup,
      originalTimestamp: dl.sourceTimestamp,
      processorNode: dl.processorNode,
    },
  }
}
