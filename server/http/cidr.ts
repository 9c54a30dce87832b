import { BlockList, isIP } from 'node:net'

/**
 * IP addresses and CIDR ranges (IPv4 and IPv6), as operators write them in settings such as
 * TRUSTED_PROXIES: `10.0.0.5`, `10.1.0.0/16`, `fd00::/8`.
 */

/** `::ffff:10.0.0.5` (how a dual-stack socket reports an IPv4 peer) → `10.0.0.5`; other addresses lower-cased. */
export function normalizeAddress(address: string): string {
  const text = address.trim().toLowerCase()
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  return mapped && isIP(mapped[1]!) === 4 ? mapped[1]! : text
}

interface Range {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
}

/** `address` or `address/prefix`, or null when it is neither. */
export function parseRange(text: string): Range | null {
  const [rawAddress = '', prefixText, ...rest] = text.trim().split('/')
  if (rest.length) return null
  const address = normalizeAddress(rawAddress)
  const version = isIP(address)
  if (!version) return null
  const bits = version === 4 ? 32 : 128
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return null
  const prefix = prefixText === undefined ? bits : Number(prefixText)
  return prefix <= bits ? { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' } : null
}

/** The entries of a list that are not an address or range: what a setting's error names. */
export function invalidRanges(entries: readonly string[]): string[] {
  return entries.filter((e) => parseRange(e) === null)
}

export type AddressMatcher = (address: string) => boolean

/** Whether an address lies in any of the ranges (entries must have passed `invalidRanges`). */
export function addressMatcher(entries: readonly string[]): AddressMatcher {
  const list = new BlockList()
  for (const entry of entries) {
    const range = parseRange(entry)
    if (range) list.addSubnet(range.address, range.prefix, range.family)
  }
  return (address) => {
    const normalized = normalizeAddress(address)
    const version = isIP(normalized)
    return version !== 0 && list.check(normalized, version === 4 ? 'ipv4' : 'ipv6')
  }
}
