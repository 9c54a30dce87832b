import type { PrismaClient } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import { checkWebhookUrl, webhookRefusal } from '../../server/http/webhook-allow'
import { backoffDelay } from '../../server/retry'
import { notificationBody } from './bodies'

/**
 * Sends due notifications from the outbox (AlertDelivery): POST per channel kind, retried with
 * capped exponential backoff, every attempt recorded (status, HTTP status, error). Delivery is
 * at-least-once: a crash after the receiver answered and before the row is marked sent repeats that
 * one request, with the same `Idempotency-Key` (the delivery id) for the receiver to drop it.
 * A 4xx other than 408/429 is final (the URL or body is wrong; retrying will not fix it), and so is
 * a URL outside ALERT_WEBHOOK_ALLOW: checked again here, before any connection, because a channel
 * may predate the setting (or its last change).
 */

export interface SenderOptions {
  prisma: PrismaClient
  publicUrl: string
  logger: Logger
  /** ALERT_WEBHOOK_ALLOW; empty: any host. */
  webhookAllow?: readonly string[]
  now?: () => Date
  fetch?: typeof fetch
  /** Attempts before a delivery is given up as failed. */
  maxAttempts?: number
  /** Delay after the first failure; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  timeoutMs?: number
  batch?: number
}

export const SENDER_DEFAULTS = { maxAttempts: 8, baseDelayMs: 10_000, maxDelayMs: 15 * 60_000, timeoutMs: 10_000, batch: 20 }

export interface SendSummary {
  sent: number
  retrying: number
  failed: number
}

/** Error text without the secret URL (fetch errors may quote it). */
function describe(error: unknown, url: string, hint: string): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
  const text = `${error instanceof Error ? error.message : String(error)}${cause}`
  return text.split(url).join(hint).slice(0, 500)
}

/** When the earliest pending notification is due (null: none is pending). A read, no lease needed. */
export async function nextDeliveryDue(prisma: PrismaClient): Promise<Date | null> {
  const next = await prisma.alertDelivery.findFirst({ where: { status: 'pending' }, orderBy: { nextAttemptAt: 'asc' }, select: { nextAttemptAt: true } })
  return next?.nextAttemptAt ?? null
}

export async function sendDueDeliveries(opts: SenderOptions): Promise<SendSummary> {
  const o = { ...SENDER_DEFAULTS, ...opts }
  const now = (o.now ?? (() => new Date()))()
  const doFetch = o.fetch ?? fetch
  const due = await o.prisma.alertDelivery.findMany({
    where: { status: 'pending', nextAttemptAt: { lte: now } },
    orderBy: { nextAttemptAt: 'asc' },
    take: o.batch,
    include: { channel: true, episode: true },
  })
  const summary: SendSummary = { sent: 0, retrying: 0, failed: 0 }
  for (const d of due) {
    const attempt = d.attempts + 1
    let status: number | null = null
    let error: string | null = null
    const check = checkWebhookUrl(d.channel.url, o.webhookAllow ?? [])
    if (!check.allowed) {
      await o.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'failed', attempts: attempt, lastStatus: null, lastError: `Not sent: ${webhookRefusal(check.host, o.webhookAllow ?? [])}` } })
      summary.failed++
      o.logger.warn({ delivery: d.id, channel: d.channel.name, host: check.host }, 'alert notification not sent: the channel points outside ALERT_WEBHOOK_ALLOW')
      continue
    }
    try {
      const body = notificationBody(d.channel.kind, {
        deliveryId: d.id,
        event: d.event,
        episode: d.episode,
        channelName: d.channel.name,
        publicUrl: o.publicUrl,
        sentAt: now,
      })
      const response = await doFetch(d.channel.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Linetrace-Alerts/1', 'idempotency-key': d.id },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(o.timeoutMs),
        redirect: 'error',
      })
      status = response.status
      // Drain the body so the connection is reused; its text explains a refusal.
      const text = await response.text().catch(() => '')
      if (!response.ok) error = `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`
    } catch (e) {
      error = describe(e, d.channel.url, d.channel.urlHint)
    }
    const final = error !== null && status !== null && status >= 400 && status < 500 && status !== 408 && status !== 429
    if (error === null) {
      await o.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'sent', attempts: attempt, lastStatus: status, lastError: null, sentAt: now } })
      summary.sent++
    } else if (final || attempt >= o.maxAttempts) {
      await o.prisma.alertDelivery.update({ where: { id: d.id }, data: { status: 'failed', attempts: attempt, lastStatus: status, lastError: error } })
      summary.failed++
      o.logger.warn({ delivery: d.id, channel: d.channel.name, attempt, status, error }, 'alert notification failed for good')
    } else {
      const nextAttemptAt = new Date(now.getTime() + backoffDelay(attempt, { initialMs: o.baseDelayMs, maxMs: o.maxDelayMs }))
      await o.prisma.alertDelivery.update({ where: { id: d.id }, data: { attempts: attempt, lastStatus: status, lastError: error, nextAttemptAt } })
      summary.retrying++
      o.logger.info({ delivery: d.id, channel: d.channel.name, attempt, status, error, nextAttemptAt }, 'alert notification failed; will retry')
    }
  }
  return summary
}
