import type { PrismaClient } from '../../db/client'
import { maskWebhookUrl, type AlertChannelInput } from '../../domain/alerts'
import type { Principal } from '../../domain/permissions'
import type { z } from 'zod'
import type { alertChannelUpdateSchema } from '../../domain/alerts'
import { audit } from '../audit'
import { DomainError } from '../errors'
import { channelView, deliveryView, type AlertChannelView, type DeliveryView } from './views'

/**
 * Notification channels (admin only; callers check the role). The webhook URL is a secret: it is
 * stored, used by the worker's sender, and never returned, logged or audited — only its hint.
 */

type Actor = Pick<Principal, 'userId' | 'label'>

export async function listChannels(prisma: PrismaClient): Promise<AlertChannelView[]> {
  const rows = await prisma.alertChannel.findMany({
    orderBy: { createdAt: 'asc' },
    include: { deliveries: { orderBy: { createdAt: 'desc' }, take: 1 } },
  })
  return rows.map((c) => channelView(c, c.deliveries[0]))
}

async function getChannel(prisma: PrismaClient, id: string) {
  const channel = await prisma.alertChannel.findUnique({ where: { id } })
  if (!channel) throw new DomainError('NOT_FOUND', `No alert channel ${id}.`)
  return channel
}

export async function createChannel(prisma: PrismaClient, actor: Actor, input: AlertChannelInput): Promise<AlertChannelView> {
  return prisma.$transaction(async (tx) => {
    const channel = await tx.alertChannel.create({
      data: { ...input, urlHint: maskWebhookUrl(input.url), createdBy: actor.label },
    })
    const view = channelView(channel)
    await audit(tx, { actor, action: 'alert_channel.create', targetType: 'alert_channel', targetId: channel.id, after: view })
    return view
  })
}

export async function updateChannel(
  prisma: PrismaClient,
  actor: Actor,
  id: string,
  change: z.infer<typeof alertChannelUpdateSchema>,
): Promise<AlertChannelView> {
  const before = await getChannel(prisma, id)
  return prisma.$transaction(async (tx) => {
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

export async function deleteChannel(prisma: PrismaClient, actor: Actor, id: string): Promise<void> {
  const before = await getChannel(prisma, id)
  await prisma.$transaction(async (tx) => {
    await tx.alertChannel.delete({ where: { id } })
    await audit(tx, { actor, action: 'alert_channel.delete', targetType: 'alert_channel', targetId: id, before: channelView(before) })
  })
}

/** Queues a test notification; the worker sends it like any other (the console never calls out itself). */
export async function queueTestDelivery(prisma: PrismaClient, id: string): Promise<DeliveryView> {
  await getChannel(prisma, id)
  return deliveryView(await prisma.alertDelivery.create({ data: { channelId: id, event: 'test' } }))
}

export async function listDeliveries(prisma: PrismaClient, q: { channelId?: string; episodeId?: string; limit?: number }): Promise<DeliveryView[]> {
  const rows = await prisma.alertDelivery.findMany({
    where: { channelId: q.channelId, episodeId: q.episodeId },
    orderBy: { createdAt: 'desc' },
    take: q.limit ?? 20,
  })
  return rows.map(deliveryView)
}
