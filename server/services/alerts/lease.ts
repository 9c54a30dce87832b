import type { PrismaClient } from '../../db/client'

/**
 * A lease in Postgres so that one worker evaluates alerts and sends notifications at a time (works
 * on PostgreSQL and PGlite alike, unlike a session-bound advisory lock behind a pool). The holder
 * renews it every tick; if it dies, another worker takes over once it expires.
 */
export async function holdLease(prisma: PrismaClient, name: string, owner: string, ttlMs: number, now = new Date()): Promise<boolean> {
  const expiresAt = new Date(now.getTime() + ttlMs)
  await prisma.alertLease.createMany({ data: [{ name, owner, expiresAt }], skipDuplicates: true })
  const { count } = await prisma.alertLease.updateMany({
    where: { name, OR: [{ owner }, { expiresAt: { lt: now } }] },
    data: { owner, expiresAt },
  })
  return count === 1
}

export async function releaseLease(prisma: PrismaClient, name: string, owner: string): Promise<void> {
  await prisma.alertLease.updateMany({ where: { name, owner }, data: { expiresAt: new Date(0) } })
}
