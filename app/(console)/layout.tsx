import type { ReactNode } from 'react'
import { NuqsAdapter } from 'nuqs/adapters/next/app'
import { requirePrincipal } from '@/server/auth/page-session'
import { permissionsOf } from '@/server/domain/permissions'
import { listPlants } from '@/server/services/plants/plants'
import { getRuntime } from '@/server/runtime'
import { slowProcedurePaths } from '@/server/routers/slow-paths'
import { Shell } from '@/components/shell/shell'
import { TrpcProvider } from '@/components/trpc/client'

export const dynamic = 'force-dynamic'

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const principal = await requirePrincipal()
  const plants = await listPlants({ db: (await getRuntime()).db.prisma, principal })
  return (
    <NuqsAdapter>
      <TrpcProvider slowPaths={slowProcedurePaths()}>
        <Shell
          user={{ label: principal.label, role: principal.role }}
          permissions={permissionsOf(principal)}
          plants={plants.map((p) => ({ code: p.code, name: p.name }))}
        >
          {children}
        </Shell>
      </TrpcProvider>
    </NuqsAdapter>
  )
}
