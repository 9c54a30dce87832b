import type { PrismaClient } from '../../db/client'
import type { Ctx } from '../../context/ctx'
import { maskWebhookUrl, type AlertChannelInput } from '../../domain/alerts'
import type { z } from 'zod'
import type { alertChannelUpdateSchema } from '../../domain/alerts'
import { audit, type AuditCtx } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import { checkWebhookUrl, webhookRefusal } from '../../http/webhook-allow'
import { channelView, deliveryView, type AlertChannelView, type DeliveryView } from './views'

/**
 * Notification channels (admin only; callers check the role). The webhook URL is a secret: it is
 * stored, used by the worker's sender, and never returned, logged or audited — only its hint. It
 * must point where ALERT_WEBHOOK_ALLOW allows (checked here and again by the sender).
 */

type ChannelCtx = AuditCtx & Pick<Ctx, 'config'>

function requireAllowedUrl(config: Ctx['config'], url: string): void {
  const check = checkWebhookUrl(url, config.alertWebhookAllow)
  if (!check.allowed) throw new DomainError('BAD_REQUEST', `url: ${webhookRefusal(check.host, config.alertWebhookAllow)}.`)
}

export async function listChannels({ db }: Pick<Ctx, 'db'>): Promise<AlertChannelView[]> {
  const rows = await db.alertChannel.findMany({
    orderBy: { createdAt: 'asc' },
    include: { deliveries: { orderBy: { createdAt: 'desc' }, take: 1 } },
  })
  return rows.map((c) => channelView(c, c.deliveries[0]))
}

async function getChannel(db: PrismaClient, id: string) {
  const channel = await db.alertChannel.findUnique({ where: { id } })
  if (!channel) throw new DomainError('NOT_FOUND', `No alert channel ${id}.`)
  return channel
}

export async function createChannel({ db, principal: actor, config }: ChannelCtx, input: AlertChannelInput): Promise<AlertChannelView> {
  requireAllowedUrl(config, input.url)
  return db.$transaction(async (tx) => {
    const channel = await tx.alertChannel.create({
      data: { ...input, urlHint: maskWebhookUrl(input.url), createdBy: actor.label },
    })
    const view = channelView(channel)
    await audit(tx, { actor, action: 'alert_channel.create', targetType: 'alert_channel', targetId: channel.id, after: view })
    return view
  })
}

export async function updateChannel(
  { db, principal: actor, config }: ChannelCtx,
  { id, change }: { id: string; change: z.infer<typeof alertChannelUpdateSchema> },
): Promise<AlertChannelView> {
  if (change.url) requireAllowedUrl(config, change.url)
  const before = await getChannel(db, id)
  return db.$transaction(async (tx) => {
    const after = await tx.alertChannel.update({
      where: { id },
      data: { ...change, ...(change.url ? { urlHint: maskWebhookUrl(change.url) } : {}) },
    })
    const view = channelView(after)
    await audit(tx, {
      actor,
      action: 'alert_channel.update',
      targetType: 'alert_channel',
      targetId: id,
      before: channelView(before),
      after: view,
      reason: change.url ? 'webhook URL replaced' : null,
    })
    return view
  })
}

export async function deleteChannel({ db, principal: actor }: AuditCtx, { id }: { id: string }): Promise<void> {
  const before = await getChannel(db, id)
  await db.$transaction(async (tx) => {
    await tx.alertChannel.delete({ where: { id } })
    await audit(tx, { actor, action: 'alert_channel.delete', targetType: 'alert_channel', targetId: id, before: channelView(before) })
  })
}

/** Queues a test notification; the worker sends it like any other (the console never calls out itself). */
export async function queueTestDelivery({ db }: Pick<Ctx, 'db'>, { id }: { id: string }): Promise<DeliveryView> {
  await getChannel(db, id)
  return deliveryView(await db.alertDelivery.create({ data: { channelId: id, event: 'test' } }), { receiverText: true })
}

export async function listDeliveries({ db }: Pick<Ctx, 'db'>, q: { channelId?: string; episodeId?: string; limit?: number }): Promise<DeliveryView[]> {
  const rows = await db.alertDelivery.findMany({
    where: { channelId: q.channelId, episodeId: q.episodeId },
    orderBy: { createdAt: 'desc' },
    take: q.limit ?? 20,
  })
  return rows.map((d) => deliveryView(d, { receiverText: true }))
}
