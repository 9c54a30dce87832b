import type { AlertChannel, AlertDelivery, AlertEpisode, AlertRule, AlertSilence } from '../../db/client'
import {
  alertStateOf,
  type AlertChannelKind,
  type AlertLink,
  type AlertRuleKind,
  type AlertSeverity,
  type AlertSilenceKind,
  type AlertState,
} from '../../domain/alerts'

/**
 * What the alert services return (tRPC, REST, the UI): plain objects with ISO times. A channel's
 * view never carries its URL, only the masked hint.
 */

export interface AlertRuleView {
  id: string
  plant: string
  flow: string
  line: string | null
  kind: AlertRuleKind
  name: string
  params: Record<string, unknown>
  severity: AlertSeverity
  enabled: boolean
  fromTemplate: boolean
  forMinutes: number
  keepFiringMinutes: number
  updatedBy: string | null
  updatedAt: string
}

export function ruleView(r: AlertRule): AlertRuleView {
  return {
    id: r.id,
    plant: r.plantCode,
    flow: r.flow,
    line: r.line,
    kind: r.kind,
    name: r.name,
    params: (r.params ?? {}) as Record<string, unknown>,
    severity: r.severity,
    enabled: r.enabled,
    fromTemplate: r.fromTemplate,
    forMinutes: r.forMinutes,
    keepFiringMinutes: r.keepFiringMinutes,
    updatedBy: r.updatedBy,
    updatedAt: r.updatedAt.toISOString(),
  }
}

export interface AlertView {
  id: string
  ruleId: string | null
  ruleName: string
  kind: AlertRuleKind
  plant: string
  flow: string
  line: string | null
  severity: AlertSeverity
  state: AlertState
  startedAt: string
  firedAt: string | null
  resolvedAt: string | null
  lastEvaluatedAt: string
  value: number | null
  threshold: number | null
  unit: string
  reason: string
  links: AlertLink[]
  acknowledgedAt: string | null
  acknowledgedBy: string | null
  ackComment: string | null
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function alertView(e: AlertEpisode): AlertView {
  return {
    id: e.id,
    ruleId: e.ruleId,
    ruleName: e.ruleName,
    kind: e.kind,
    plant: e.plantCode,
    flow: e.flow,
    line: e.line,
    severity: e.severity,
    // Pending episodes never reach a view (they are not alerts yet); see inbox.ts.
    state: alertStateOf(e) as AlertState,
    startedAt: e.startedAt.toISOString(),
    firedAt: iso(e.firedAt),
    resolvedAt: iso(e.resolvedAt),
    lastEvaluatedAt: e.lastEvaluatedAt.toISOString(),
    value: e.value,
    threshold: e.threshold,
    unit: e.unit,
    reason: e.reason,
    links: (e.links ?? []) as AlertLink[],
    acknowledgedAt: iso(e.acknowledgedAt),
    acknowledgedBy: e.acknowledgedBy,
    ackComment: e.ackComment,
  }
}

export interface DeliveryView {
  id: string
  episodeId: string | null
  channelId: string
  event: 'firing' | 'resolved' | 'test'
  status: 'pending' | 'sent' | 'failed'
  attempts: number
  lastError: string | null
  lastStatus: number | null
  nextAttemptAt: string
  sentAt: string | null
  createdAt: string
}

/**
 * How a delivery failed, for people who do not manage channels: the receiver's status, not its
 * words. A receiver's error body (and a connection error's text) may carry anything it chooses to
 * say — internal host names, a stack trace, a password — so only admins read it.
 */
export function redactedDeliveryError(d: Pick<AlertDelivery, 'lastError' | 'lastStatus'>): string | null {
  if (d.lastError === null) return null
  return d.lastStatus !== null ? `delivery failed (HTTP ${d.lastStatus})` : 'delivery failed (no answer from the receiver)'
}

/** `receiverText`: the receiver's own error text (admins); otherwise `redactedDeliveryError`. */
export function deliveryView(d: AlertDelivery, { receiverText }: { receiverText: boolean }): DeliveryView {
  return {
    id: d.id,
    episodeId: d.episodeId,
    channelId: d.channelId,
    event: d.event,
    status: d.status,
    attempts: d.attempts,
    lastError: receiverText ? d.lastError : redactedDeliveryError(d),
    lastStatus: d.lastStatus,
    nextAttemptAt: d.nextAttemptAt.toISOString(),
    sentAt: iso(d.sentAt),
    createdAt: d.createdAt.toISOString(),
  }
}

export interface AlertChannelView {
  id: string
  name: string
  kind: AlertChannelKind
  /** The URL as people may see it after saving, e.g. https://hooks.slack.com/…/XyZ9. */
  urlHint: string
  severities: AlertSeverity[]
  plants: string[]
  enabled: boolean
  createdBy: string | null
  updatedAt: string
  lastDelivery: DeliveryView | null
}

export function channelView(c: AlertChannel, lastDelivery?: AlertDelivery | null): AlertChannelView {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    urlHint: c.urlHint,
    severities: c.severities as AlertSeverity[],
    plants: c.plants as string[],
    enabled: c.enabled,
    createdBy: c.createdBy,
    updatedAt: c.updatedAt.toISOString(),
    // Channels are admins' (every caller checks the role): they see what the receiver said.
    lastDelivery: lastDelivery ? deliveryView(lastDelivery, { receiverText: true }) : null,
  }
}

export interface AlertSilenceView {
  id: string
  plant: string
  ruleId: string | null
  flow: string | null
  kind: AlertSilenceKind
  startsAt: string
  endsAt: string
  reason: string
  createdBy: string
  active: boolean
}

export function silenceView(s: AlertSilence, now = new Date()): AlertSilenceView {
  return {
    id: s.id,
    plant: s.plantCode,
    ruleId: s.ruleId,
    flow: s.flow,
    kind: s.kind,
    startsAt: s.startsAt.toISOString(),
    endsAt: s.endsAt.toISOString(),
    reason: s.reason,
    createdBy: s.createdBy,
    active: s.startsAt <= now && now < s.endsAt,
  }
}
