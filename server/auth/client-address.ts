import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { normalizeAddress, type AddressMatcher } from '../http/cidr'

/**
 * The one place that says which address a request came from: the login rate limiter, the audit
 * log and the logs all ask here, so they can never disagree about who an actor is.
 *
 * Route handlers cannot see the connection, so the server (scripts/serve.ts) resolves the address
 * once per request with `stampClientAddress` and passes it on in this header, replacing any copy a
 * client sent. better-auth reads the same header (server/auth/auth.ts).
 */
export const CLIENT_ADDRESS_HEADER = 'x-linetrace-client-address'

/** The client's address as the server resolved it; null outside scripts/serve.ts (e.g. `next dev`). */
export function clientAddress(headers: Headers): string | null {
  return headers.get(CLIENT_ADDRESS_HEADER) || null
}

/**
 * The client behind a connection from `peer`. X-Forwarded-For is anyone's to write, so it counts
 * only when the peer is a trusted proxy, and then only from the right: each trusted hop vouches for
 * the address left of it, and the first hop that is not a trusted proxy is the client. Addresses
 * further left were written by that client and are ignored. A hop that is not an address ends the
 * walk at the last one vouched for.
 */
export function resolveClientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, isTrustedProxy: AddressMatcher): string | null {
  if (!peer) return null
  let address = normalizeAddress(peer)
  if (!isTrustedProxy(address)) return address
  const hops = [forwardedFor ?? []].flat().join(',').split(',').map((hop) => hop.trim()).filter(Boolean)
  for (const hop of hops.reverse()) {
    const candidate = normalizeAddress(hop)
    if (!isIP(candidate)) break
    address = candidate
    if (!isTrustedProxy(address)) break
  }
  return address
}

/** What `stampClientAddress` needs of a Node request (an `IncomingMessage` has it). */
interface NodeRequest {
  headers: IncomingHttpHeaders
  socket: { remoteAddress?: string | undefined }
}

/**
 * For the HTTP server, before Next.js sees the request: puts the resolved client address in
 * CLIENT_ADDRESS_HEADER (dropping any client-sent copy), and drops X-Forwarded-For from a peer that
 * is not a trusted proxy, so code that still reads it cannot be told a made-up address.
 */
export function stampClientAddress(req: NodeRequest, isTrustedProxy: AddressMatcher): void {
  delete req.headers[CLIENT_ADDRESS_HEADER]
  const peer = req.socket.remoteAddress
  const address = resolveClientAddress(peer, req.headers['x-forwarded-for'], isTrustedProxy)
  if (!peer || !isTrustedProxy(peer)) delete req.headers['x-forwarded-for']
  if (address) req.headers[CLIENT_ADDRESS_HEADER] = address
}
