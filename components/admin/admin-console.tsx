'use client'

import { UsersPanel } from './users-panel'
import { TokensPanel } from './tokens-panel'
import { PlantsPanel } from './plants-panel'
import { AuditPanel } from './audit-panel'
import { OtlpPanel } from './otlp-panel'

export function AdminConsole({ currentUser }: { currentUser: string }) {
  return (
    <div className="space-y-8">
      <h1 className="text-xl font-semibold">Admin</h1>
      <UsersPanel currentUser={currentUser} />
      <PlantsPanel />
      <TokensPanel />
      <OtlpPanel />
      <AuditPanel />
    </div>
  )
}
