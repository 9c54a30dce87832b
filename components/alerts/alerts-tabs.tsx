'use client'

import Link from 'next/link'
import { alertSettingsHref, alertsHref } from '@/server/domain/links'
import { useHeaderState } from '../shell/url-state'

const TABS = [
  { id: 'inbox', label: 'Inbox' },
  { id: 'rules', label: 'Rules' },
  { id: 'silences', label: 'Silences & maintenance' },
  { id: 'channels', label: 'Channels', adminOnly: true },
] as const

/** The alert pages: the inbox and the settings behind it (the header's plant carries over). */
export function AlertsTabs({ current, isAdmin }: { current: (typeof TABS)[number]['id']; isAdmin: boolean }) {
  const [header] = useHeaderState()
  return (
    <div className="flex flex-wrap items-end justify-between gap-2 border-b border-slate-200 dark:border-slate-800">
      <h1 className="pb-2 text-xl font-semibold">Alerts</h1>
      <nav aria-label="Alert pages" className="flex gap-1">
        {TABS.filter((t) => !('adminOnly' in t) || isAdmin).map((t) => (
          <Link
            key={t.id}
            href={t.id === 'inbox' ? alertsHref({}, header) : alertSettingsHref(t.id, header)}
            aria-current={t.id === current ? 'page' : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm ${t.id === current ? 'border-sky-600 font-medium' : 'border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100'}`}
          >
            {t.label}
          </Link>
        ))}
      </nav>
    </div>
  )
}
