import type { Ctx } from '../../context/ctx'
import type { Prisma } from '../../db/client'
import type { AlertListFilter, AlertState } from '../../domain/alerts'
import { canAccessPlant, hasRole } from '../../domain/permissions'
import { audit } from '../audit/audit'
import { DomainError } from '../../domain/errors'
import { alertView, deliveryView, type AlertView, type DeliveryView } from './views'

/**
 * The alert inbox: firing, acknowledged and resolved episodes of the caller's plants (pending ones
 * are not alerts yet), acknowledging with a comment, and the firing count for the navigation.
 */

const STATE_WHERE: Record<AlertState, Prisma.AlertEpisodeWhereInput> = {
  firing: { state: 'firing', acknowledgedAt: null },
  acknowledged: { state: 'firing', acknowledgedAt: { not: null } },
  resolved: { state: 'resolved' },
}

export interface AlertList {
  items: AlertView[]
  /** Per inbox state, for the caller's plants and the other facets (not the state filter). */
  counts: Record<AlertState, number>
}

export async function listAlerts({ db, scope }: Pick<Ctx, 'db' | 'scope'>, filter: Partial<AlertListFilter>): Promise<AlertList> {
  const base: Prisma.AlertEpisodeWhereInput = {
    plantCode: { in: [...scope] },
    state: { not: 'pending' },
    ...(filter.severity?.length ? { severity: { in: filter.severity } } : {}),
    ...(filter.kind?.length ? { kind: { in: filter.kind } } : {}),
  }
  const states = filter.state?.length ? filter.state : undefined
  const [items, ...counts] = await Promise.all([
    db.alertEpisode.findMany({
      where: { AND: [base, ...(states ? [{ OR: states.map((s) => STATE_WHERE[s]) }] : [])] },
      // Open before resolved, then the most severe, then the newest (enum order: pending < firing < resolved; info < warning < critical).
      orderBy: [{ state: 'asc' }, { severity: 'desc' }, { startedAt: 'desc' }],
      take: filter.limit ?? 100,
    }),
    ...(['firing', 'acknowledged', 'resolved'] as const).map((s) => db.alertEpisode.count({ where: { AND: [base, STATE_WHERE[s]] } })),
  ])
  return { items: items.map(alertView), counts: { firing: counts[0]!, acknowledged: counts[1]!, resolved: counts[2]! } }
}

export async function getAlert(
  { db, principal }: Pick<Ctx, 'db' | 'principal'>,
  { id }: { id: string },
): Promise<AlertView & { deliveries: Array<DeliveryView & { channelName: string }> }> {
  const episode = await db.alertEpisode.findUnique({
    where: { id },
    include: { deliveries: { orderBy: { createdAt: 'asc' }, include: { channel: { select: { name: true } } } } },
  })
  if (!episode || episode.state === 'pending' || !canAccessPlant(principal, episode.plantCode))
    throw new DomainError('NOT_FOUND', `No alert ${id} in your plants.`)
  // What a receiver answered is for admins (they manage channels); others see how it failed.
  const receiverText = hasRole(principal, 'admin')
  return { ...alertView(episode), deliveries: episode.deliveries.map((d) => ({ ...deliveryView(d, { receiverText }), channelName: d.channel.name })) }
}

/** Acknowledges a firing alert with a comment (audited). Resolve notifications still go out. */
export async function acknowledgeAlert(
  { db, principal: actor, clientAddress: ip }: Pick<Ctx, 'db' | 'principal' | 'clientAddress'>,
  input: { id: string; comment: string },
): Promise<AlertView> {
  const before = await db.alertEpisode.findUnique({ where: { id: input.id } })
  if (!before || before.state === 'pending' || !canAccessPlant(actor, before.plantCode))
    throw new DomainError('NOT_FOUND', `No alert ${input.id} in your plants.`)
  if (before.state === 'resolved') throw new DomainError('CONFLICT', 'This alert has already resolved; there is nothing left to acknowledge.')
  return db.$transaction(async (tx) => {
    // Guarded update: of two people acknowledging at once, the first comment stands and the second is told.
    const { count } = await tx.alertEpisode.updateMany({
      where: { id: input.id, state: 'firing', acknowledgedAt: null },
      data: { acknowledgedAt: new Date(), acknowledgedBy: actor.label, ackComment: input.comment },
    })
    if (count === 0) {
      const now = await tx.alertEpisode.findUniqueOrThrow({ where: { id: input.id } })
      throw new DomainError('CONFLICT', now.acknowledgedBy ? `Already acknowledged by ${now.acknowledgedBy}: “${now.ackComment}”.` : 'This alert has just resolved.')
    }
    const after = await tx.alertEpisode.findUniqueOrThrow({ where: { id: input.id } })
    await audit(tx, {
      actor,
      action: 'alert.acknowledge',
      targetType: 'alert',
      targetId: input.id,
      reason: input.comment,
      before: { state: 'firing', acknowledgedAt: null },
      after: { state: 'acknowledged', acknowledgedAt: after.acknowledgedAt, acknowledgedBy: after.acknowledgedBy },
      ip,
    })
    return alertView(after)
  })
}

/** Firing alerts (acknowledged or not) of these plants, by severity: the header's count. */
export async function firingCount({ db, scope: plants }: Pick<Ctx, 'db' | 'scope'>) {
  const rows = await db.alertEpisode.groupBy({
    by: ['severity'],
    where: { plantCode: { in: [...plants] }, state: 'firing' },
    _count: { _all: true },
  })
  const unacknowledged = await db.alertEpisode.count({ where: { plantCode: { in: [...plants] }, state: 'firing', acknowledgedAt: null } })
  const bySeverity = Object.fromEntries(rows.map((r) => [r.severity, r._count._all])) as Partial<Record<'info' | 'warning' | 'critical', number>>
  return { firing: rows.reduce((n, r) => n + r._count._all, 0), unacknowledged, bySeverity }
}
