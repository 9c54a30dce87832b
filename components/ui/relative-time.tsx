import { formatRelative, formatUserTime, formatUtc } from './format'

/**
 * "3 min ago", with the UTC instant on hover: for "first/last seen" and "created" columns.
 * `user` marks a person's action (a job created, a note): the hover then leads with the viewer's own zone.
 */
export function RelativeTime({ at, user = false }: { at: Date | string; user?: boolean }) {
  return <span title={user ? `${formatUserTime(at)} · ${formatUtc(at)}` : formatUtc(at)}>{formatRelative(at)}</span>
}
