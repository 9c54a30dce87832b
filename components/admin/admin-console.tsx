'use client'

import Link from 'next/link'
import { UsersPanel } from './users-panel'
import { TokensPanel } from './tokens-panel'
import { PlantsPanel } from './plants-panel'
import { AuditPanel } from './audit-panel'
import { OtlpPanel } from './otlp-panel'

export function AdminConsole({ currentUser }: { currentUser: string }) {
  return (
    <div className="space-y-8">
      <div className="flex items-baseline justify-between">
        <h1 className="text-xl font-semibold">Admin</h1>
        <Link href="/admin/taps">Topic taps: read a plant&apos;s business topics as traces →</Link>
      </div>
      <UsersPanel currentUser={currentUser} />
      <PlantsPanel />
      <TokensPanel />
      <OtlpPanel />
      <AuditPanel />
    </div>
  )
}
