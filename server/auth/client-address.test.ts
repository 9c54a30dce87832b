import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { addressMatcher, invalidRanges, normalizeAddress } from '../http/cidr'
import { CLIENT_ADDRESS_HEADER, clientAddress, resolveClientAddress, stampClientAddress } from './client-address'
import { makeServedHeaders } from './testing/served-headers'

const PROXIES = ['10.0.0.5', '10.1.0.0/16', 'fd00::/8']
const none = addressMatcher([])
const proxies = addressMatcher(PROXIES)

describe('the client address', () => {
  it('is the connection’s, whatever X-Forwarded-For a client writes, when no proxy is trusted', () => {
    expect(clientAddress(makeServedHeaders('203.0.113.7', { 'x-forwarded-for': '10.9.0.1' }))).toBe('203.0.113.7')
    expect(clientAddress(makeServedHeaders('203.0.113.7', { 'x-forwarded-for': '10.9.0.1, 10.9.0.2' }))).toBe('203.0.113.7')
    // …and the header is dropped, so nothing downstream can read the made-up address.
    expect(makeServedHeaders('203.0.113.7', { 'x-forwarded-for': '10.9.0.1' }).get('x-forwarded-for')).toBeNull()
  })

  it('cannot be set by a client sending the internal header itself', () => {
    expect(clientAddress(makeServedHeaders('203.0.113.7', { [CLIENT_ADDRESS_HEADER]: '10.9.0.1' }))).toBe('203.0.113.7')
    expect(clientAddress(makeServedHeaders(undefined, { [CLIENT_ADDRESS_HEADER]: '10.9.0.1' }))).toBeNull()
  })

  it('is the right-most address a trusted proxy did not vouch for', () => {
    expect(resolveClientAddress('10.0.0.5', '198.51.100.3', proxies)).toBe('198.51.100.3')
    expect(resolveClientAddress('10.0.0.5', 'spoofed-by-client, 6.6.6.6, 198.51.100.3', proxies)).toBe('198.51.100.3')
    // Two proxies: the outer one (10.1.2.3) appended the client, the inner one appended the outer.
    expect(resolveClientAddress('10.0.0.5', '6.6.6.6, 198.51.100.3, 10.1.2.3', proxies)).toBe('198.51.100.3')
    // Repeated headers are one list.
    expect(resolveClientAddress('10.0.0.5', ['6.6.6.6', '198.51.100.3'], proxies)).toBe('198.51.100.3')
    const viaProxy = makeServedHeaders('10.0.0.5', { 'x-forwarded-for': '6.6.6.6, 198.51.100.3' }, PROXIES)
    expect(clientAddress(viaProxy)).toBe('198.51.100.3')
    expect(viaProxy.get('x-forwarded-for')).toBe('6.6.6.6, 198.51.100.3')
  })

  it('stops at the last vouched-for hop when the chain holds something that is not an address', () => {
    expect(resolveClientAddress('10.0.0.5', '198.51.100.3, unknown', proxies)).toBe('10.0.0.5')
    expect(resolveClientAddress('10.0.0.5', 'garbage, 10.1.2.3', proxies)).toBe('10.1.2.3')
    expect(resolveClientAddress('10.0.0.5', undefined, proxies)).toBe('10.0.0.5')
  })

  it('handles IPv6 and IPv4-mapped peers', () => {
    expect(resolveClientAddress('::ffff:203.0.113.7', '6.6.6.6', none)).toBe('203.0.113.7')
    expect(resolveClientAddress('::ffff:10.0.0.5', '198.51.100.3', proxies)).toBe('198.51.100.3')
    expect(resolveClientAddress('fd00::1', '2001:db8::7', proxies)).toBe('2001:db8::7')
    expect(resolveClientAddress('2001:DB8::9', '6.6.6.6', proxies)).toBe('2001:db8::9')
  })
})

describe('over a real connection', () => {
  it('the server stamps the socket’s address and drops what the client claimed', async () => {
    const server = createServer((req, res) => {
      stampClientAddress(req, none)
      res.end(JSON.stringify({ address: req.headers[CLIENT_ADDRESS_HEADER], forwarded: req.headers['x-forwarded-for'] ?? null }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as AddressInfo
      const response = await fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-forwarded-for': '10.9.0.1', [CLIENT_ADDRESS_HEADER]: '10.9.0.2' } })
      expect(await response.json()).toEqual({ address: '127.0.0.1', forwarded: null })
    } finally {
      await new Promise((resolve) => server.close(resolve))
    }
  })
})

describe('address ranges', () => {
  it('accept addresses and CIDR ranges of both families and name the rest', () => {
    expect(invalidRanges(['10.0.0.5', '10.1.0.0/16', '0.0.0.0/0', 'fd00::/8', '::1', '::ffff:10.0.0.1'])).toEqual([])
    expect(invalidRanges(['proxy.local', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/', '10.0.0.1/8/1', '10.0.0.256'])).toHaveLength(6)
  })

  it('match by prefix', () => {
    expect(['10.0.0.5', '10.1.255.1', 'fd12::1', '::ffff:10.1.0.9'].every(proxies)).toBe(true)
    expect(['10.0.0.6', '10.2.0.1', 'fe80::1', 'not-an-address'].some(proxies)).toBe(false)
    expect(normalizeAddress(' ::FFFF:10.1.0.9 ')).toBe('10.1.0.9')
  })
})
