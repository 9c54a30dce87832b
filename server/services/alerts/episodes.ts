import type { AlertChannel, AlertEpisode, AlertRule, Prisma, PrismaClient } from '../../db/client'
import type { AlertSeverity } from '../../domain/alerts'
import type { Verdict } from './conditions'

/**
 * The episode state machine, Prometheus-style: a holding condition opens a *pending* episode; it
 * fires once the condition has held at every evaluation for the rule's `for` minutes (at once when
 * `for` is 0); a pending episode whose condition clears is dropped (it never was an alert); a firing
 * episode resolves once the condition has been clear for `keepFiring` minutes (a blip back to
 * holding starts that clock over). "At every evaluation" is taken literally: when evaluations were
 * further apart than `maxGapMs` (the worker was stopped or restarted), nobody watched the condition
 * in between, so the `for` and keep-firing clocks start over rather than count the gap as proof.
 *
 * Notifications are an outbox (AlertDelivery), written in the same transaction as the episode
 * change: one `firing` delivery per routed channel when the episode starts (or, if a silence
 * covered the start, when the silence ends while it still fires) and one `resolved` delivery when it
 * resolves, only if the firing one was queued. (episode, channel, event) is unique, so a retried
 * transaction can never queue a second notification.
 */

type Tx = Prisma.TransactionClient

export type Transition = 'none' | 'pending' | 'fired' | 'updated' | 'notified' | 'cancelled' | 'clearing' | 'resolved'

/** Channels that take this severity and plant (no plants listed = every plant). */
export function routedChannels(channels: readonly AlertChannel[], severity: AlertSeverity, plant: string): AlertChannel[] {
  return channels.filter((c) => {
    const severities = c.severities as string[]
    const plants = c.plants as string[]
    return c.enabled && severities.includes(severity) && (plants.length === 0 || plants.includes(plant))
  })
}

export async function enqueueDeliveries(
  tx: Tx,
  episode: Pick<AlertEpisode, 'id' | 'severity' | 'plantCode'>,
  event: 'firing' | 'resolved',
  channels: readonly AlertChannel[],
  now: Date,
): Promise<number> {
  const targets = routedChannels(channels, episode.severity, episode.plantCode)
  if (targets.length === 0) return 0
  const { count } = await tx.alertDelivery.createMany({
    data: targets.map((c) => ({ episodeId: episode.id, channelId: c.id, event, nextAttemptAt: now })),
    skipDuplicates: true,
  })
  return count
}

export interface ApplyContext {
  now: Date
  /** A silence covers this rule now: notifications wait (the alert still shows in the inbox). */
  silenced: boolean
  channels: readonly AlertChannel[]
  /** Evaluations further apart than this did not watch the condition in between (absent: no bound). */
  maxGapMs?: number
}

const MIN = 60_000

/** Moves the rule's open episode (if any) by one evaluation's verdict. */
export async function applyVerdict(
  prisma: PrismaClient,
  rule: AlertRule,
  verdict: Verdict,
  open: AlertEpisode | null,
  ctx: ApplyContext,
): Promise<Transition> {
  const { now } = ctx
  const measured = { lastEvaluatedAt: now, value: verdict.value, threshold: verdict.threshold, unit: verdict.unit }
  const unwatched = open !== null && ctx.maxGapMs !== undefined && now.getTime() - open.lastEvaluatedAt.getTime() > ctx.maxGapMs
  // The common case (nothing open, nothing wrong) writes nothing.
  if (!verdict.holds && !open) return 'none'
  return prisma.$transaction(async (tx): Promise<Transition> => {
    if (verdict.holds) {
      if (!open) {
        const firing = rule.forMinutes === 0
        const notify = firing && !ctx.silenced
        const episode = await tx.alertEpisode.create({
          data: {
            ruleId: rule.id,
            openKey: rule.id,
            ruleName: rule.name,
            kind: rule.kind,
            plantCode: rule.plantCode,
            flow: rule.flow,
            line: rule.line,
            severity: rule.severity,
            state: firing ? 'firing' : 'pending',
            startedAt: now,
            firedAt: firing ? now : null,
            ...measured,
            reason: verdict.reason,
            links: verdict.links,
            firingNotified: notify,
          },
        })
        if (notify) await enqueueDeliveries(tx, episode, 'firing', ctx.channels, now)
        return firing ? 'fired' : 'pending'
      }
      const update = { ...measured, reason: verdict.reason, links: verdict.links, clearedSince: null }
      if (open.state === 'pending') {
        if (unwatched) {
          await tx.alertEpisode.update({ where: { id: open.id }, data: { ...update, startedAt: now } })
          return 'pending'
        }
        if (now.getTime() - open.startedAt.getTime() < rule.forMinutes * MIN) {
          await tx.alertEpisode.update({ where: { id: open.id }, data: update })
          return 'updated'
        }
        const notify = !ctx.silenced
        const episode = await tx.alertEpisode.update({ where: { id: open.id }, data: { ...update, state: 'firing', firedAt: now, firingNotified: notify } })
        if (notify) await enqueueDeliveries(tx, episode, 'firing', ctx.channels, now)
        return 'fired'
      }
      // Firing: a silence that covered the start may have ended meanwhile.
      const notifyNow = !open.firingNotified && !ctx.silenced
      const episode = await tx.alertEpisode.update({ where: { id: open.id }, data: { ...update, firingNotified: open.firingNotified || notifyNow } })
      if (notifyNow) await enqueueDeliveries(tx, episode, 'firing', ctx.channels, now)
      return notifyNow ? 'notified' : 'updated'
    }

    if (!open) return 'none' // narrows `open`: nothing-open-and-clear returned before the transaction
    if (open.state === 'pending') {
      await tx.alertEpisode.delete({ where: { id: open.id } })
      return 'cancelled'
    }
    const clearedSince = open.clearedSince && !unwatched ? open.clearedSince : now
    if (now.getTime() - clearedSince.getTime() < rule.keepFiringMinutes * MIN) {
      await tx.alertEpisode.update({ where: { id: open.id }, data: { lastEvaluatedAt: now, clearedSince } })
      return 'clearing'
    }
    await resolveEpisode(tx, open, now, ctx.channels)
    return 'resolved'
  })
}

/**
 * Resolves a firing episode (keeping the reason it fired for) and queues the resolve notification
 * when the firing one was queued, so no receiver is left with an alert that never closes.
 */
export async function resolveEpisode(tx: Tx, open: AlertEpisode, now: Date, channels: readonly AlertChannel[], note?: string): Promise<void> {
  if (open.state === 'pending') {
    await tx.alertEpisode.delete({ where: { id: open.id } })
    return
  }
  const episode = await tx.alertEpisode.update({
    where: { id: open.id },
    data: {
      state: 'resolved',
      openKey: null,
      resolvedAt: now,
      lastEvaluatedAt: now,
      clearedSince: open.clearedSince ?? now,
      ...(note ? { reason: `${open.reason} — ${note}` } : {}),
    },
  })
  if (open.firingNotified) await enqueueDeliveries(tx, episode, 'resolved', channels, now)
}
