import type { IncomingHttpHeaders } from 'node:http'
import { addressMatcher } from '../../http/cidr'
import { stampClientAddress } from '../client-address'

/**
 * A request's headers as route handlers get them from scripts/serve.ts: `sent` by a client whose
 * connection comes from `peer`, stamped with the client address the server resolves.
 */
export function makeServedHeaders(peer: string | undefined, sent: IncomingHttpHeaders = {}, trustedProxies: readonly string[] = []): Headers {
  const req = { headers: { ...sent }, socket: { remoteAddress: peer } }
  stampClientAddress(req, addressMatcher(trustedProxies))
  return new Headers(Object.entries(req.headers).map(([name, value]): [string, string] => [name, [value ?? []].flat().join(', ')]))
}
