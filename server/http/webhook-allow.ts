import { isIP } from 'node:net'
import { addressMatcher, parseRange } from './cidr'

/**
 * ALERT_WEBHOOK_ALLOW: where alert channels may point. Without it a channel URL can name any host,
 * and the worker, which sits on the plant network, POSTs to it and keeps the answer's text: an
 * admin account (or a forged admin request) could probe the ERP next door. Entries are
 *
 * - host names, matched exactly (`hooks.slack.com`), or with their subdomains when written
 *   `*.webhook.office.com` (the bare domain not included);
 * - IP addresses and CIDR ranges (`10.20.0.15`, `10.20.0.0/16`, `fd00::/8`), matched against URLs
 *   whose host is an address literal.
 *
 * Host names are not resolved to check them against the ranges: a DNS answer can change between
 * the check and the connection (DNS rebinding), so a range admits only URLs that name an address
 * in it, and a name is trusted exactly when it is listed. The URL parser has normalised the host
 * already (case, `0x7f.1` → `127.0.0.1`, IPv6 brackets), so spellings cannot slip past.
 */

const HOST_NAME = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

/** Entries that are neither a host name (optionally `*.`-prefixed) nor an address or range. */
export function invalidWebhookAllowEntries(entries: readonly string[]): string[] {
  return entries.filter((e) => parseRange(e) === null && !HOST_NAME.test(e.toLowerCase()))
}

/**
 * The URL's host as the URL parser normalised it: lower case, no brackets, no trailing dot, and an
 * IPv4-mapped IPv6 address (which the parser writes `::ffff:a14:1`) as the IPv4 address it is.
 */
function hostOf(url: string): string | null {
  let host: string
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '')
  } catch {
    return null
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host)
  if (!mapped) return host
  const [high, low] = [parseInt(mapped[1]!, 16), parseInt(mapped[2]!, 16)]
  return [high >> 8, high & 255, low >> 8, low & 255].join('.')
}

export type WebhookCheck = { allowed: true } | { allowed: false; host: string | null }

/** Whether `url` may be called under `allow` (an empty list allows every host). */
export function checkWebhookUrl(url: string, allow: readonly string[]): WebhookCheck {
  if (allow.length === 0) return { allowed: true }
  const host = hostOf(url)
  if (!host) return { allowed: false, host }
  if (isIP(host)) return addressMatcher(allow.filter((e) => parseRange(e) !== null))(host) ? { allowed: true } : { allowed: false, host }
  const names = allow.filter((e) => parseRange(e) === null).map((e) => e.toLowerCase().replace(/\.$/, ''))
  const listed = names.some((name) => (name.startsWith('*.') ? host.endsWith(name.slice(1)) : host === name))
  return listed ? { allowed: true } : { allowed: false, host }
}

/** What an admin (or the delivery log) is told about a refused URL. */
export function webhookRefusal(host: string | null, allow: readonly string[]): string {
  return `${host ? `host ${host}` : 'this URL'} is not allowed for alert channels: ALERT_WEBHOOK_ALLOW lists ${allow.join(', ')}${host && isIP(host) === 0 ? ' (host names are matched by name, never resolved)' : ''}`
}
