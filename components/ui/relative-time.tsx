import { formatRelative, formatUtc } from './format'

/** "3 min ago", with the UTC instant on hover: for "first/last seen" and "created" columns. */
export function RelativeTime({ at }: { at: Date | string }) {
  return <span title={formatUtc(at)}>{formatRelative(at)}</span>
}
