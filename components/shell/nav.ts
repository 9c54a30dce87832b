import type { Action } from '@/server/domain/permissions'

export interface NavItem {
  href: string
  label: string
  /** Hidden when the signed-in user may not perform this action. */
  needs: Action
  /** A live count shown next to the label. */
  badge?: 'firingAlerts'
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/', label: 'Overview', needs: 'view' },
  { href: '/traces', label: 'Traces', needs: 'view' },
  { href: '/exceptions', label: 'Exceptions', needs: 'view' },
  { href: '/replays', label: 'Replays', needs: 'replay' },
  { href: '/alerts', label: 'Alerts', needs: 'view', badge: 'firingAlerts' },
  { href: '/plants', label: 'Plants', needs: 'view' },
  { href: '/admin', label: 'Admin', needs: 'administer' },
]
