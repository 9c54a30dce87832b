import { isoMs } from '../domain/iso-time'

/**
 * Rows → one block of ClickHouse's `Native` format, the column-major binary format the engine reads
 * without parsing text: on chDB, with hop_events rows, reading it costs ~0.7 µs per row against
 * ~11 µs for JSONCompactEachRow, and an insert into hop_events with all its views ~18 µs of CPU
 * against ~28 (bench/ingest/costs.ts measures both in every run).
 *
 * The block carries each column's name and type; the engine converts the types we send to the
 * declared ones on insert:
 * - `LowCardinality(T)` goes as T (the dictionary encoding is the engine's business).
 * - A column null in some rows of a non-Nullable type goes as `Nullable(T)`, and the insert's
 *   `insert_null_as_default` gives those rows the column DEFAULT, expressions included — the rows
 *   JSONCompactEachRow with `input_format_null_as_default` stored. Arrays and maps cannot be
 *   Nullable: their null is sent as empty, which is their DEFAULT (checked against the declaration).
 * Layout per column (little-endian): String = varint length + UTF-8 bytes per row; numbers fixed
 * width; DateTime64(P) = Int64 ticks; DateTime = UInt32 seconds; Nullable = one null byte per row,
 * then the values (a default where null); Array = cumulative UInt64 offsets, then the elements;
 * Tuple = each element's column in turn; Map(K, V) = Array(Tuple(K, V)).
 */

/** A column as the table declares it (`system.columns`). */
export interface DeclaredColumn {
  type: string
  /** `default_expression` ('' when none). */
  defaultExpression: string
}

interface TypeNode {
  name: string
  args: (TypeNode | string)[]
}

/** `Map(LowCardinality(String), Array(DateTime64(3, 'UTC')))` → a tree; quoted arguments stay text. */
export function parseType(text: string): TypeNode {
  let i = 0
  const parse = (): TypeNode => {
    const start = i
    while (i < text.length && /[A-Za-z0-9_]/.test(text[i]!)) i++
    const node: TypeNode = { name: text.slice(start, i), args: [] }
    if (text[i] !== '(') return node
    i++
    for (;;) {
      while (text[i] === ' ') i++
      if (text[i] === "'") {
        const end = text.indexOf("'", i + 1)
        node.args.push(text.slice(i, end + 1))
        i = end + 1
      } else if (/[0-9]/.test(text[i] ?? '')) {
        const s = i
        while (/[0-9]/.test(text[i] ?? '')) i++
        node.args.push(text.slice(s, i))
      } else node.args.push(parse())
      while (text[i] === ' ') i++
      if (text[i] === ',') i++
      else if (text[i] === ')') return i++, node
      else throw new Error(`Cannot read ClickHouse type ${JSON.stringify(text)}`)
    }
  }
  const node = parse()
  if (i !== text.length || node.name === '') throw new Error(`Cannot read ClickHouse type ${JSON.stringify(text)}`)
  return node
}

const render = (t: TypeNode | string): string => (typeof t === 'string' ? t : t.args.length === 0 ? t.name : `${t.name}(${t.args.map(render).join(', ')})`)
const node = (t: TypeNode | string | undefined): TypeNode => {
  if (t === undefined || typeof t === 'string') throw new Error('a type argument is missing')
  return t
}
/** The type sent for a declared one: LowCardinality stripped at every level, a SimpleAggregateFunction's values as its type. */
function wireType(t: TypeNode): TypeNode {
  if (t.name === 'LowCardinality') return wireType(node(t.args[0]))
  if (t.name === 'SimpleAggregateFunction') return wireType(node(t.args[1]))
  return { name: t.name, args: t.args.map((a) => (typeof a === 'string' ? a : wireType(a))) }
}

const FIXED: Record<string, number> = { UInt8: 1, Bool: 1, Int8: 1, UInt16: 2, Int16: 2, UInt32: 4, Int32: 4, UInt64: 8, Int64: 8, Float32: 4, Float64: 8 }

/** Whether rows of this declared type can be sent (every column of every table must: native.test.ts). */
export function encodable(type: string): boolean {
  const ok = (t: TypeNode): boolean =>
    t.name in FIXED || t.name === 'String' || t.name === 'DateTime' || t.name === 'DateTime64' ||
    (['Nullable', 'Array', 'LowCardinality'].includes(t.name) && ok(node(t.args[0]))) ||
    (['Map', 'Tuple'].includes(t.name) && t.args.every((a) => ok(node(a)))) ||
    (t.name === 'SimpleAggregateFunction' && ok(node(t.args[1])))
  return ok(parseType(type))
}

/** A growing byte buffer of little-endian values and length-prefixed strings. */
class Sink {
  buf: Buffer
  pos = 0
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size)
  }
  room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }
  varint(n: number): void {
    this.room(10)
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80
      n = Math.floor(n / 128)
    }
    this.buf[this.pos++] = n
  }
  string(s: string): void {
    const n = s.length
    // Most values are short ASCII (ids, codes, plants): a byte per unit behind a one-byte length,
    // without a call into Buffer.write (measured ~40 % faster on hop_events rows).
    if (n < 128) {
      this.room(1 + n)
      const buf = this.buf
      let p = this.pos + 1
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i)
        if (c >= 0x80) return this.utf8(s)
        buf[p++] = c
      }
      buf[this.pos] = n
      this.pos = p
      return
    }
    this.utf8(s)
  }
  private utf8(s: string): void {
    const n = Buffer.byteLength(s, 'utf8')
    this.varint(n)
    this.room(n)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }
  int64(n: number | bigint): void {
    this.room(8)
    if (typeof n === 'bigint') {
      // Two's complement either way: a UInt64 above Int64's range is written as unsigned.
      if (n < 0n) this.buf.writeBigInt64LE(n, this.pos)
      else this.buf.writeBigUInt64LE(n, this.pos)
    }
    else {
      // Two 32-bit halves: exact for every safe integer, and no BigInt per value.
      this.buf.writeUInt32LE(n >>> 0, this.pos)
      this.buf.writeInt32LE(Math.floor(n / 4294967296), this.pos + 4)
    }
    this.pos += 8
  }
  take(): Buffer {
    return this.buf.subarray(0, this.pos)
  }
}

const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i

/** Epoch ms of a Date, or of RFC 3339 / `YYYY-MM-DD hh:mm:ss[.fff]` text (no zone = UTC, the columns' zone); sub-ms digits are cut as the engine cuts them. */
export function epochMs(v: unknown, column: string): number {
  if (v instanceof Date) return v.getTime()
  // The form our own code writes (toISOString, and most emitters), read by arithmetic (iso-time.ts).
  if (typeof v === 'string' && v.length === 24 && v.charCodeAt(10) === 84 && v.charCodeAt(23) === 90) {
    const t = isoMs(v)
    if (!Number.isNaN(t)) return t
  }
  const m = typeof v === 'string' ? TIME.exec(v) : null
  if (!m) throw new Error(`Column ${column}: ${JSON.stringify(v)} is not a time`)
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3))
  let t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), ms)
  const zone = m[8]
  if (zone && zone.toUpperCase() !== 'Z') {
    const [h, min] = [Number(zone.slice(1, 3)), Number(zone.slice(-2))]
    t -= (zone[0] === '-' ? -1 : 1) * (h * 60 + min) * 60_000
  }
  return t
}

const NOT_YET = Symbol('no value yet')

function integer(v: unknown, column: string): number | bigint {
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'bigint') return v
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return v.length < 16 ? Number(v) : BigInt(v)
  throw new Error(`Column ${column}: ${JSON.stringify(v)} is not an integer`)
}

/**
 * Writes the values of one column (all rows) as type `t`. Under a Nullable (`orZero`) a null is
 * written as the type's zero, which the null map hides; elsewhere a null never reaches a writer.
 */
function writeColumn(out: Sink, t: TypeNode, values: readonly unknown[], column: string, orZero = false): void {
  switch (t.name) {
    case 'String':
      for (const v of values) {
        if (typeof v === 'string') out.string(v)
        else if (typeof v === 'number' || typeof v === 'bigint') out.string(String(v))
        else if (orZero && (v === null || v === undefined)) out.string('')
        else fail(column, v, 'text')
      }
      return
    case 'Float32':
    case 'Float64': {
      const w = t.name === 'Float64' ? 8 : 4
      out.room(w * values.length)
      for (const v of values) {
        const n = typeof v === 'number' ? v : orZero && (v === null || v === undefined) ? 0 : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : fail(column, v, 'a number')
        if (w === 8) out.buf.writeDoubleLE(n, out.pos)
        else out.buf.writeFloatLE(n, out.pos)
        out.pos += w
      }
      return
    }
    case 'DateTime64': {
      const precision = Number(t.args[0])
      // A value equal to the previous row's is not parsed again: recorded_at is one text for a whole
      // delivery, origin_time one per transaction.
      let last: unknown = NOT_YET
      let ms = 0
      for (const v of values) {
        if (v !== last) ms = orZero && (v === null || v === undefined) ? 0 : epochMs(v, column)
        last = v
        out.int64(precision >= 3 ? ms * 10 ** (precision - 3) : Math.floor(ms / 10 ** (3 - precision)))
      }
      return
    }
    case 'DateTime':
      out.room(4 * values.length)
      for (const v of values) out.pos = out.buf.writeUInt32LE(orZero && (v === null || v === undefined) ? 0 : Math.floor(epochMs(v, column) / 1000), out.pos)
      return
    case 'Nullable': {
      out.room(values.length)
      for (const v of values) out.buf[out.pos++] = v === null || v === undefined ? 1 : 0
      writeColumn(out, node(t.args[0]), values, column, true)
      return
    }
    case 'Map':
      if (render(node(t.args[0])) === 'String' && render(node(t.args[1])) === 'String') return writeTextMap(out, values, column)
      // Map(K, V) is stored as Array(Tuple(K, V)).
      writeColumn(out, { name: 'Array', args: [{ name: 'Tuple', args: t.args }] }, values.map((v) => (v === null || v === undefined ? v : isRecord(v) ? Object.entries(v) : fail(column, v, 'a map'))), column)
      return
    case 'Array': {
      let end = 0
      out.room(8 * values.length)
      for (const v of values) {
        if (v !== null && v !== undefined && !Array.isArray(v)) fail(column, v, 'an array')
        out.int64((end += v ? (v as unknown[]).length : 0))
      }
      writeColumn(out, node(t.args[0]), end === 0 ? [] : values.flatMap((v) => (v ?? []) as unknown[]), column)
      return
    }
    case 'Tuple':
      for (const v of values) if (!Array.isArray(v) || v.length !== t.args.length) fail(column, v, `a tuple of ${t.args.length}`)
      t.args.forEach((a, k) => writeColumn(out, node(a), values.map((v) => (v as unknown[])[k]), column))
      return
  }
  const width = FIXED[t.name]
  if (width === undefined) throw new Error(`Column ${column}: type ${render(t)} has no Native encoding here`)
  out.room(width * values.length)
  const buf = out.buf
  const signed = !t.name.startsWith('U') && t.name !== 'Bool'
  // The range of the narrow types, checked here: the buffer would otherwise wrap an out-of-range value.
  const [min, max] = t.name === 'Bool' ? [0, 1] : signed ? [-(2 ** (8 * width - 1)), 2 ** (8 * width - 1) - 1] : [0, 2 ** (8 * width) - 1]
  for (const v of values) {
    const n = typeof v === 'number' && Number.isInteger(v) ? v : orZero && (v === null || v === undefined) ? 0 : integer(v, column)
    if (width === 8) out.int64(n)
    else {
      const x = Number(n)
      if (x < min || x > max) fail(column, v, `within ${t.name}`)
      if (width === 1) buf[out.pos] = x & 0xff
      else if (signed) buf.writeIntLE(x, out.pos, width)
      else buf.writeUIntLE(x, out.pos, width)
      out.pos += width
    }
  }
}

/**
 * Map(String, String) (attributes: ~20 keys a row from OTLP spans) written straight from the
 * objects — offsets, then every key, then every value — without an entry array per key and value
 * (measured 13 µs → 2 µs a row at 20 keys).
 */
function writeTextMap(out: Sink, values: readonly unknown[], column: string): void {
  let end = 0
  for (const m of values) {
    if (m !== null && m !== undefined && !isRecord(m)) fail(column, m, 'a map')
    if (m) for (const _ in m) end++
    out.int64(end)
  }
  for (const m of values) if (m) for (const k in m) out.string(k)
  for (const m of values) {
    if (!m) continue
    const r = m as Record<string, unknown>
    for (const k in r) {
      const v = r[k]
      if (typeof v === 'string') out.string(v)
      else if (typeof v === 'number') out.string(String(v))
      else fail(column, v, `text (key ${k})`)
    }
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
function fail(column: string, v: unknown, what: string): never {
  throw new Error(`Column ${column}: ${JSON.stringify(v)} is not ${what}`)
}
/**
 * One buffer for every block, grown as needed: a fresh buffer of tens of MB per insert is external
 * memory V8 answers with a full garbage collection. A block is written out before the next is made.
 */
const sink = new Sink(1 << 20)

/** A plain identifier: the only table, column and setting names a statement may carry. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/

const EMPTY_DEFAULT = /^(|\[\]|map\(\)|array\(\))$/

/**
 * One Native block of `rows` (objects keyed by column name) for a table whose columns are
 * `declared`; `body` is valid until the next call (a shared buffer: write it out at once). Columns null in every row are left out (the engine fills their DEFAULT); an unknown
 * column is an error, null or not, as a misspelt column would otherwise lose data.
 */
export function nativeBlock(rows: readonly object[], declared: ReadonlyMap<string, DeclaredColumn>, table: string): { columns: string[]; body: Buffer } {
  const found = gatherColumns(rows, (k) => {
    if (!declared.has(k)) throw new Error(IDENTIFIER.test(k) ? `Table ${table} has no column ${k}` : `Invalid column name ${JSON.stringify(k)}`)
  })
  const used = found.filter((c) => c.nonNull > 0)
  const first = declared.keys().next().value
  // No value at all: one column of defaults still carries the row count.
  const sent = used.length > 0 ? used : first === undefined ? [] : [{ name: first, values: new Array<unknown>(rows.length), nonNull: 0 }]
  const out = sink
  out.pos = 0
  out.varint(sent.length)
  out.varint(rows.length)
  for (const { name: c, values, nonNull } of sent) {
    const d = declared.get(c)!
    let t = wireType(parseType(d.type))
    if (t.name !== 'Nullable' && nonNull < rows.length) {
      if (t.name === 'Array' || t.name === 'Map') {
        if (!EMPTY_DEFAULT.test(d.defaultExpression)) throw new Error(`Column ${c} of ${table}: a null needs its DEFAULT ${d.defaultExpression}, which an ${t.name} cannot carry`)
      } else t = { name: 'Nullable', args: [t] }
    }
    out.string(c)
    out.string(render(t))
    writeColumn(out, t, values, c)
  }
  return { columns: sent.map((c) => c.name), body: out.take() }
}

export interface GatheredColumn {
  name: string
  /** One per row; a row without the key holds undefined. */
  values: unknown[]
  /** Rows where it is neither null nor undefined. */
  nonNull: number
}

/**
 * The rows' values by column, in first-seen key order, in one pass over each row's own keys; `check`
 * vets each key once (it throws to refuse one). Rows of one shape enumerate their keys in the same
 * order: a key is matched to its column by identity with the previous row's key at that position,
 * and looked up by name only when the shape changes. Rows are read once, in order: reading them
 * once per column misses the CPU cache on every row object. (It replaced three passes — keys, each
 * column by name, nulls — and serialises 50k bench rows of hop_events ~10 % faster, of
 * hop_payloads ~20 %.)
 */
export function gatherColumns(rows: readonly object[], check: (key: string) => void): GatheredColumn[] {
  const columns: GatheredColumn[] = []
  const byName = new Map<string, GatheredColumn>()
  const lastKeys: string[] = []
  const lastColumns: GatheredColumn[] = []
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j] as Record<string, unknown>
    let p = 0
    for (const k in r) {
      let c = lastKeys[p] === k ? lastColumns[p]! : byName.get(k)
      if (c === undefined) {
        check(k)
        c = { name: k, values: new Array<unknown>(rows.length), nonNull: 0 }
        byName.set(k, c)
        columns.push(c)
      }
      lastKeys[p] = k
      lastColumns[p++] = c
      const v = r[k]
      c.values[j] = v
      if (v !== null && v !== undefined) c.nonNull++
    }
  }
  return columns
}
