import type { PrismaClient } from '../../db/client'
import type { Role } from '../../domain/permissions'
import { DEMO_PLANTS } from '../../domain/plants'
import { SLA_DEFAULTS } from '../../domain/sla'
import { logger } from '../../logger'
import { createUser } from '../users/users'

export interface DemoUser {
  email: string
  password: string
  name: string
  role: Role
  plants: string[]
}

/** Known passwords exist only in embedded demo mode; server mode never seeds users. */
export const DEMO_USERS: readonly DemoUser[] = [
  { email: 'admin@linetrace.local', password: 'linetrace-admin', name: 'Ada Admin', role: 'admin', plants: [] },
  { email: 'operator@linetrace.local', password: 'linetrace-operator', name: 'Otto Operator', role: 'operator', plants: ['1000', '2000'] },
  { email: 'viewer@linetrace.local', password: 'linetrace-viewer', name: 'Vera Viewer', role: 'viewer', plants: ['1000'] },
]

const SEED_ACTOR = { userId: null, label: 'system:seed' }

/** Idempotent: creates what is missing and never overwrites what an admin changed. */
export async function seedPlants(prisma: PrismaClient): Promise<void> {
  for (const plant of DEMO_PLANTS) {
    await prisma.plant.upsert({
      where: { code: plant.code },
      create: { ...plant, shiftCalendar: plant.shiftCalendar },
      update: {},
    })
    await prisma.slaTarget.createMany({
      data: SLA_DEFAULTS.map((d) => ({ plantCode: plant.code, flow: '*', kpi: d.kpi, target: d.target, unit: d.unit })),
      skipDuplicates: true,
    })
  }
}

export async function seedDemo(prisma: PrismaClient): Promise<void> {
  await seedPlants(prisma)
  for (const user of DEMO_USERS) {
    if (await prisma.user.findUnique({ where: { email: user.email } })) continue
    await createUser({ db: prisma, principal: SEED_ACTOR }, user)
    logger.info({ email: user.email, role: user.role }, 'demo user created')
  }
}
