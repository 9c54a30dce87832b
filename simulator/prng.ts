import { createHash } from 'node:crypto'

/**
 * Deterministic randomness. Two kinds, for two reasons:
 * - `Rng` streams (sfc32, 128-bit state) for code that runs in a fixed order, e.g. one plant's
 *   arrival process: each stream is seeded from a label, so adding a plant or a line never shifts
 *   the numbers another one draws;
 * - `Rng.of(seed, ...identity)` for work whose order depends on the bus (the hub handles records as
 *   they arrive): randomness derived from what is handled, not from when, keeps same seed → same
 *   traffic however the records interleave.
 */

const SEP = '\u001f'

export function hashBytes(...parts: readonly (string | number)[]): Buffer {
  return createHash('sha256').update(parts.join(SEP)).digest()
}

/** A uniform number in [0, 1) derived from the parts alone. */
export function hashUnit(...parts: readonly (string | number)[]): number {
  return hashBytes(...parts).readUInt32LE(0) / 4294967296
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** z of the standard normal's 95th percentile: turns a (median, p95) pair into a lognormal sigma. */
const Z95 = 1.6448536269514722

export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  constructor(seed: Buffer) {
    this.a = seed.readUInt32LE(0)
    this.b = seed.readUInt32LE(4)
    this.c = seed.readUInt32LE(8)
    this.d = seed.readUInt32LE(12) | 1
    // sfc32's first outputs are correlated with the seed words; discard them.
    for (let i = 0; i < 12; i++) this.next()
  }

  static of(...parts: readonly (string | number)[]): Rng {
    return new Rng(hashBytes(...parts))
  }

  /** A uint32. */
  next(): number {
    const t0 = (this.a + this.b) | 0
    this.a = this.b ^ (this.b >>> 9)
    this.b = (this.c + (this.c << 3)) | 0
    this.c = (this.c << 21) | (this.c >>> 11)
    this.d = (this.d + 1) | 0
    const t = (t0 + this.d) | 0
    this.c = (this.c + t) | 0
    return t >>> 0
  }

  float(): number {
    return this.next() / 4294967296
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.float()
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1))
  }

  chance(p: number): boolean {
    return this.float() < p
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty list')
    return items[Math.floor(this.float() * items.length)]!
  }

  weighted<K>(entries: readonly (readonly [K, number])[]): K {
    let total = 0
    for (const [, w] of entries) total += w
    let x = this.float() * total
    for (const [k, w] of entries) {
      if ((x -= w) < 0) return k
    }
    return entries[entries.length - 1]![0]
  }

  exp(mean: number): number {
    return -mean * Math.log(1 - this.float())
  }

  normal(): number {
    // Box–Muller; 1 - float() keeps log() away from 0.
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float())
  }

  /** Lognormal given its median and 95th percentile, e.g. ERP latency (0.6 s, 3 s). */
  lognormal(median: number, p95: number): number {
    return median * Math.exp((Math.log(p95 / median) / Z95) * this.normal())
  }

  bytes(n: number): Buffer {
    const out = Buffer.alloc(n)
    for (let i = 0; i < n; i += 4) {
      const v = this.next()
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff
    }
    return out
  }

  /** n bytes as lowercase hex, never all zero (W3C trace ids must not be). No Buffer per id: backfills make millions. */
  hex(n: number): string {
    let s = ''
    let zero = true
    for (let i = 0; i < n; i += 4) {
      const v = this.next()
      if (v !== 0) zero = false
      s += HEX[v >>> 24]! + HEX[(v >>> 16) & 0xff]! + HEX[(v >>> 8) & 0xff]! + HEX[v & 0xff]!
    }
    s = s.slice(0, 2 * n)
    return zero && /^0+$/.test(s) ? `${s.slice(0, -1)}1` : s
  }

  /** A number of `digits` decimal digits, zero-padded. */
  digits(digits: number): string {
    let s = ''
    while (s.length < digits) s += String(this.next() % 1_000_000).padStart(6, '0')
    return s.slice(0, digits)
  }
}
