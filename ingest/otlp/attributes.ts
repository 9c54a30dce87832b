import type { AttributeValue, Attributes } from './span'

/** Attribute values as hop-event text: strings as they are, anything else as JSON. */
export function attributeText(value: AttributeValue | undefined): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** The first of `names` present (and not empty) in the first of `sources` that has it. */
export function firstText(sources: readonly Attributes[], names: readonly string[], accept = (_: string) => true): string | undefined {
  for (const source of sources)
    for (const name of names) {
      const text = attributeText(source[name])
      if (text && accept(text)) return text
    }
  return undefined
}

/** SOURCES.md: everything else goes into the hop's `attributes`, bounded so the hop panel can show it. */
const MAX_ATTRIBUTES = 64
const MAX_ATTRIBUTE_BYTES = 1024
/** The hop contract's key limit. */
const MAX_KEY_LENGTH = 128

/**
 * Merges the sources in order (the first value of a key wins), at most 64 keys of at most 1 KiB each.
 * A key is "taken" only by an own property: `key in out` also saw Object.prototype's, and dropped
 * attributes named `constructor` or `toString`.
 */
export function boundedAttributes(sources: readonly Attributes[]): Record<string, string> {
  const out: Record<string, string> = {}
  let count = 0
  for (const source of sources)
    for (const key in source) {
      if (count >= MAX_ATTRIBUTES) return out
      if (key.length > MAX_KEY_LENGTH || Object.hasOwn(out, key)) continue
      const text = attributeText(source[key])
      if (text === undefined) continue
      setOwn(out, key, cutUtf8(text, MAX_ATTRIBUTE_BYTES))
      count++
    }
  return out
}

/** `record[key] = value`, except that a key `__proto__` becomes an attribute too instead of a (refused) prototype. */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  else record[key] = value
}

/** At most `maxBytes` of UTF-8, never splitting a character. */
function cutUtf8(text: string, maxBytes: number): string {
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes) return text
  let cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8')
  // A character split at the cut decodes as U+FFFD: drop it.
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1)
  return cut
}

/**
 * Messaging attributes under their current semconv names when a span has only an older name, so
 * the hop panel and searches need one name each (the older attribute is kept as well).
 */
const MESSAGING_RENAMES: Readonly<Record<string, readonly string[]>> = {
  'messaging.operation.type': ['messaging.operation'],
  'messaging.consumer.group.name': ['messaging.kafka.consumer.group'],
  'messaging.destination.partition.id': ['messaging.kafka.destination.partition', 'messaging.kafka.partition'],
  'messaging.kafka.offset': ['messaging.kafka.message.offset'],
}

export function currentMessagingNames(attributes: Attributes): Attributes {
  const out: Attributes = {}
  for (const [current, older] of Object.entries(MESSAGING_RENAMES)) {
    if (attributes[current] !== undefined) continue
    const name = older.find((old) => attributes[old] !== undefined)
    if (name) out[current] = attributes[name] ?? null
  }
  return out
}
