import { alertLinkHref, alertsHref } from '../../server/domain/links'
import type { AlertChannelKind, AlertEpisode } from '../../server/db/client'
import { ALERT_SEVERITY_INFO, flowWords, formatAlertValue, type AlertLink } from '../../server/domain/alerts'

/**
 * Notification bodies per channel kind. Links go to the console at PUBLIC_URL, built with the same
 * functions as the console's own links.
 *
 * Generic webhook, `linetrace.alert/v1` (JSON, snake_case; fields are only ever added):
 *   { schema: "linetrace.alert/v1", delivery_id, event: "firing" | "resolved" | "test", sent_at,
 *     alert: null (test) | { id, state: "firing" | "resolved", severity: "info" | "warning" | "critical",
 *       plant, flow ("*" = every flow), line, rule: { id, name, kind }, reason, value, threshold, unit,
 *       started_at, fired_at, resolved_at, acknowledged_by, acknowledged_at },
 *     links: { alert: url, explain: [{ label, url }] } }
 * Receivers may deduplicate on `delivery_id` (also sent as the `Idempotency-Key` header): a retry
 * after a lost response carries the same id.
 *
 * Slack: `text` (the fallback and notification line) + Block Kit `blocks`.
 * Teams (Workflows "send webhook alerts to a channel"): `{ type: "message", attachments: [Adaptive
 * Card 1.4] }` — the format that replaced the retired Office 365 connector MessageCards.
 */

export interface Notification {
  deliveryId: string
  event: 'firing' | 'resolved' | 'test'
  /** null for a test notification. */
  episode: AlertEpisode | null
  channelName: string
  publicUrl: string
  sentAt: Date
}

interface Rendered {
  title: string
  lines: string[]
  facts: Array<[string, string]>
  links: Array<{ label: string; url: string }>
}

const EVENT_WORD = { firing: 'FIRING', resolved: 'RESOLVED', test: 'TEST' } as const

function render(n: Notification): Rendered {
  const e = n.episode
  const alertUrl = `${n.publicUrl}${alertsHref({ alert: e?.id ?? null })}`
  if (!e)
    return {
      title: `Linetrace test notification for channel “${n.channelName}”`,
      lines: ['If you can read this, alerts routed to this channel will arrive here.'],
      facts: [],
      links: [{ label: 'Open the alert inbox', url: alertUrl }],
    }
  const sev = ALERT_SEVERITY_INFO[e.severity]
  const where = `plant ${e.plantCode}${e.flow === '*' ? '' : ` · ${flowWords(e.flow)}`}${e.line ? ` · line ${e.line}` : ''}`
  const facts: Array<[string, string]> = [
    ['Severity', sev.label],
    ['Plant', e.plantCode],
    ['Rule', e.ruleName],
    ['Value', `${formatAlertValue(e.value, e.unit)} (threshold ${formatAlertValue(e.threshold, e.unit)})`],
    ['Since', e.firedAt?.toISOString() ?? e.startedAt.toISOString()],
  ]
  if (e.resolvedAt) facts.push(['Resolved', e.resolvedAt.toISOString()])
  if (e.acknowledgedBy) facts.push(['Acknowledged', `${e.acknowledgedBy}: ${e.ackComment ?? ''}`])
  return {
    title: `${sev.icon} ${EVENT_WORD[n.event]} [${sev.label}] ${where}: ${e.ruleName}`,
    lines: [n.event === 'resolved' ? `Resolved. It fired because: ${e.reason}` : e.reason],
    facts,
    links: [
      { label: 'Open in Linetrace', url: alertUrl },
      ...((e.links ?? []) as AlertLink[]).map((l) => ({ label: l.label, url: `${n.publicUrl}${alertLinkHref(l)}` })),
    ],
  }
}

export function genericBody(n: Notification): object {
  const e = n.episode
  const r = render(n)
  return {
    schema: 'linetrace.alert/v1',
    delivery_id: n.deliveryId,
    event: n.event,
    sent_at: n.sentAt.toISOString(),
    alert: e && {
      id: e.id,
      state: e.state === 'resolved' ? 'resolved' : 'firing',
      severity: e.severity,
      plant: e.plantCode,
      flow: e.flow,
      line: e.line,
      rule: { id: e.ruleId, name: e.ruleName, kind: e.kind },
      reason: e.reason,
      value: e.value,
      threshold: e.threshold,
      unit: e.unit,
      started_at: e.startedAt.toISOString(),
      fired_at: e.firedAt?.toISOString() ?? null,
      resolved_at: e.resolvedAt?.toISOString() ?? null,
      acknowledged_by: e.acknowledgedBy,
      acknowledged_at: e.acknowledgedAt?.toISOString() ?? null,
    },
    links: { alert: r.links[0]!.url, explain: r.links.slice(1).map((l) => ({ label: l.label, url: l.url })) },
  }
}

/** Slack mrkdwn treats &, < and > as control characters. */
const slackEscape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')

export function slackBody(n: Notification): object {
  const r = render(n)
  return {
    text: `${r.title} — ${r.lines.join(' ')}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: r.title.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: slackEscape(r.lines.join('\n')) } },
      ...(r.facts.length
        ? [{ type: 'section', fields: r.facts.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: `*${slackEscape(k)}*\n${slackEscape(v)}` })) }]
        : []),
      { type: 'context', elements: [{ type: 'mrkdwn', text: r.links.map((l) => `<${l.url}|${slackEscape(l.label)}>`).join(' · ') }] },
    ],
  }
}

const TEAMS_COLOR = { info: 'Default', warning: 'Warning', critical: 'Attention' } as const

export function teamsBody(n: Notification): object {
  const r = render(n)
  const color = n.event === 'resolved' ? 'Good' : n.episode ? TEAMS_COLOR[n.episode.severity] : 'Default'
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, color, text: r.title },
            ...r.lines.map((text) => ({ type: 'TextBlock', wrap: true, text })),
            ...(r.facts.length ? [{ type: 'FactSet', facts: r.facts.map(([title, value]) => ({ title, value })) }] : []),
          ],
          actions: r.links.slice(0, 5).map((l) => ({ type: 'Action.OpenUrl', title: l.label, url: l.url })),
        },
      },
    ],
  }
}

export function notificationBody(kind: AlertChannelKind, n: Notification): object {
  return kind === 'slack' ? slackBody(n) : kind === 'teams' ? teamsBody(n) : genericBody(n)
}
