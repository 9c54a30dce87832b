'use client'

import Link from 'next/link'
import { usePathname, useRouter } from 'next/navigation'
import type { ReactNode } from 'react'
import type { Action, Role } from '@/server/domain/permissions'
import { FiringCount } from '../alerts/firing-count'
import { authClient } from '../auth-client'
import { IngestIndicator } from './ingest-indicator'
import { NAV_ITEMS } from './nav'
import { PlantSelector } from './plant-selector'
import { ThemeToggle } from './theme-toggle'
import { TimeRangePicker } from './time-range-picker'
import { useHeaderState } from './url-state'

export interface ShellProps {
  user: { label: string; role: Role }
  permissions: Record<Action, boolean>
  plants: { code: string; name: string }[]
  children: ReactNode
}

export function Shell({ user, permissions, plants, children }: ShellProps) {
  const pathname = usePathname()
  const router = useRouter()
  const [state] = useHeaderState()
  // Carry the header's filters across pages so switching views keeps the same range and plant.
  const carried = new URLSearchParams(Object.entries(state).filter((e): e is [string, string] => !!e[1])).toString()

  async function signOut() {
    await authClient.signOut()
    router.replace('/login')
    router.refresh()
  }

  return (
    <div className="flex min-h-screen flex-col">
      <header className="sticky top-0 z-20 border-b border-slate-200 bg-white/95 backdrop-blur dark:border-slate-800 dark:bg-slate-900/95">
        <div className="flex flex-wrap items-center gap-x-6 gap-y-2 px-4 py-2">
          <Link href="/" className="text-lg font-semibold tracking-tight">
            Linetrace
          </Link>
          <nav aria-label="Main" className="flex flex-wrap gap-1">
            {NAV_ITEMS.filter((item) => permissions[item.needs]).map((item) => {
              const active = item.href === '/' ? pathname === '/' : pathname.startsWith(item.href)
              return (
                <Link
                  key={item.href}
                  href={carried ? `${item.href}?${carried}` : item.href}
                  aria-current={active ? 'page' : undefined}
                  className={`rounded px-2.5 py-1.5 text-sm ${active ? 'bg-slate-200 font-medium dark:bg-slate-800' : 'hover:bg-slate-100 dark:hover:bg-slate-800'}`}
                >
                  {item.label}
                  {item.badge === 'firingAlerts' && <FiringCount />}
                </Link>
              )
            })}
          </nav>
          <div className="ml-auto flex flex-wrap items-center gap-2">
            <IngestIndicator />
            <PlantSelector plants={plants} />
            <TimeRangePicker />
            <ThemeToggle />
            <span className="text-sm text-slate-500 dark:text-slate-400" data-testid="current-user">
              {user.label} · {user.role}
            </span>
            <button type="button" onClick={signOut} className="btn">
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main className="mx-auto w-full max-w-screen-2xl flex-1 p-4">{children}</main>
    </div>
  )
}
