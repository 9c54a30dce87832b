import { isDeepStrictEqual } from 'node:util'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ERROR_CATEGORIES, FLOWS, HOP_STATUSES, HOPS, hopEventJsonSchema, hopEventSchema } from '../../server/domain/hop-event'
import { hopEventInPlace, strippingSchema } from './hop-event-validator'

/**
 * The compiled validator and zod must agree on every record: same accept/reject, and for an
 * accepted one the same output (unknown keys stripped, defaults applied). Both sides parse their
 * own copy of the same JSON text, as decode does. For a rejected record, zod's issues on the value
 * the compiled validator completed in place must be those on a pristine copy (decode asks zod for
 * the DLQ reasons after the compiled validator has run).
 */
function verdicts(json: string) {
  const zod = hopEventSchema.safeParse(JSON.parse(json))
  const value: unknown = JSON.parse(json)
  const compiled = hopEventInPlace(value)
  return { zod, compiled, value }
}

function expectAgreement(json: string): boolean {
  const { zod, compiled, value } = verdicts(json)
  expect(compiled !== undefined, `compiled says ${compiled ? 'valid' : 'invalid'}, zod says ${zod.success ? 'valid' : 'invalid'}: ${json.slice(0, 300)}`).toBe(zod.success)
  // isDeepStrictEqual, not toStrictEqual: that one compares `constructor` properties, and a
  // payload may hold its own `constructor` key.
  if (zod.success) expect(isDeepStrictEqual(compiled, zod.data), `outputs differ:\n${JSON.stringify(compiled)}\n${JSON.stringify(zod.data)}`).toBe(true)
  else expect(hopEventSchema.safeParse(value).error?.issues).toEqual(zod.error.issues)
  return zod.success
}

const ASTRAL = '😀' // two UTF-16 code units, one code point
const LONE = '\ud800' // one unit, one code point; valid JSON as an escape

/** Strings whose length straddles every maximum of the contract, astral characters included. */
const MAXES = [16, 32, 64, 128, 256, 2000, 4000, 4096]
const char = fc.oneof({ arbitrary: fc.constant('a'), weight: 30 }, { arbitrary: fc.constantFrom(ASTRAL, LONE, 'é', '-', ' ', '.'), weight: 1 })
const boundaryText = fc
  .constantFrom(...MAXES)
  .chain((max) => fc.array(char, { minLength: max - 2, maxLength: max + 1 }).map((cs) => cs.join('')))
/** Text within `max` characters, in UTF-16 units or in code points. */
const text = (max: number) =>
  fc.oneof(fc.string({ maxLength: max }), fc.string({ unit: 'binary', maxLength: Math.floor(max / 2) }))
const id = (max: number) => text(max).filter((s) => s.length > 0)

const contract = hopEventJsonSchema() as { properties: Record<string, { pattern?: string }> }
const datetimePattern = new RegExp(contract.properties.occurred_at!.pattern!)
const validTime = fc.oneof(
  fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.stringMatching(datetimePattern),
)
const NEAR_TIMES = [
  '2024-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-02-29T00:00:00Z', '1900-02-29T00:00:00Z', '2026-04-31T00:00:00Z',
  '2026-11-22T13:05:00z', '2026-11-22t13:05:00Z', '2026-11-22 13:05:00Z', '2026-11-22T13:05:00', '2026-11-22T13:05Z',
  '2026-11-22T13:05:00+01:00', '2026-11-22T13:05:00+0100', '2026-11-22T13:05:00+24:00', '2026-11-22T13:05:00.Z',
  '2026-11-22T13:05:60Z', '2026-11-22T24:00:00Z', '2026-11-22T13:05:00.123456789Z', '2026-11-22T13:05:00Z\n',
  '+002026-11-22T13:05:00Z', '2026-11-22', '٢٠٢٦-11-22T13:05:00Z', '',
]
const anyTime = fc.oneof(validTime, fc.constantFrom(...NEAR_TIMES), validTime.map((t) => t.replace('T', 't')))
const hex = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: n, maxLength: n })
const anyHex = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCg'), minLength: 15, maxLength: 33 })
const plantChars = [...'ABCXYZabcz0189-_']
const validPlant = fc.string({ unit: fc.constantFrom(...plantChars), minLength: 1, maxLength: 16 })
const anyPlant = fc.string({ unit: fc.constantFrom(...plantChars, '.', ' ', 'Ä', ASTRAL, '\n', '$'), minLength: 0, maxLength: 18 })
const NUMBERS = [0, -0, 1, 2, -1, 1.5, 99, 100, 599, 600, 999, 1000, 1001, 65_535, 4_294_967_296, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e21, 0.1]
const anyNumber = fc.oneof(fc.constantFrom(...NUMBERS), fc.integer({ min: -5, max: 1005 }), fc.double({ noNaN: true, noDefaultInfinity: true }))

const hopError = fc.record(
  {
    category: fc.constantFrom(...ERROR_CATEGORIES),
    code: text(64),
    text: text(4000),
    retryable: fc.boolean(),
    dependency_key: text(256),
    http_status: fc.integer({ min: 100, max: 599 }),
    source_code: text(128),
  },
  { requiredKeys: ['category', 'code', 'text', 'retryable'] },
)
const business = fc.record(
  {
    work_order: text(64),
    operation: text(32),
    material: text(64),
    lot: text(64),
    serials: fc.array(text(128), { maxLength: 5 }),
    handling_unit: text(64),
    shipment: text(64),
    quantity: fc.record({ good: fc.double({ noNaN: true, noDefaultInfinity: true }), scrap: fc.integer(), uom: text(16) }, { requiredKeys: [] }),
    erp_document: text(64),
  },
  { requiredKeys: [] },
)
const replay = fc.record(
  { replay_id: id(128), requested_by: text(256), reason: text(2000), edited: fc.boolean() },
  { requiredKeys: ['replay_id'] },
)

/** A hop event the contract accepts, optional fields present or not. */
const validHopEvent = fc.record(
  {
    event_id: id(128),
    event_type: id(128),
    schema_version: fc.integer({ min: 1, max: 2 ** 53 - 1 }),
    occurred_at: validTime,
    recorded_at: validTime,
    origin_time: validTime,
    correlation_id: id(128),
    causation_id: text(128),
    idempotency_key: text(256),
    trace_id: hex(32),
    span_id: hex(16),
    parent_span_id: hex(16),
    flow: fc.oneof(fc.constantFrom(...FLOWS), id(64)),
    hop: fc.oneof(fc.constantFrom(...HOPS), id(32)),
    status: fc.constantFrom(...HOP_STATUSES),
    plant: validPlant,
    line: text(64),
    work_center: text(64),
    storage_location: text(64),
    location_path: text(256),
    source: fc.record({ system: text(64), instance: text(128) }, { requiredKeys: ['system'] }),
    business,
    latency_ms: fc.integer({ min: 0, max: 2 ** 53 - 1 }),
    attempt: fc.integer({ min: 1, max: 1000 }),
    error: fc.option(hopError, { nil: null }),
    replay: fc.option(replay, { nil: null }),
    attributes: fc.dictionary(text(128), text(4096), { maxKeys: 4 }),
    payload: fc.jsonValue({ maxDepth: 2 }),
  },
  { requiredKeys: ['event_id', 'event_type', 'occurred_at', 'correlation_id', 'flow', 'hop', 'status', 'plant'] },
)

/** Where a mutation lands: every field of the contract, nested ones included, and unknown keys beside them. */
const PARENTS = [[], ['source'], ['business'], ['business', 'quantity'], ['error'], ['replay'], ['attributes'], ['payload']]
const FIELD_PATHS = [
  ...Object.keys(contract.properties).map((k) => [k]),
  ['source', 'system'], ['source', 'instance'],
  ...['work_order', 'operation', 'material', 'lot', 'serials', 'handling_unit', 'shipment', 'quantity', 'erp_document'].map((k) => ['business', k]),
  ['business', 'serials', '0'], ['business', 'quantity', 'good'], ['business', 'quantity', 'scrap'], ['business', 'quantity', 'uom'],
  ...['category', 'code', 'text', 'retryable', 'dependency_key', 'http_status', 'source_code'].map((k) => ['error', k]),
  ...['replay_id', 'requested_by', 'reason', 'edited'].map((k) => ['replay', k]),
]
const DELETE = Symbol('delete')
const mutationValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  boundaryText,
  anyTime,
  anyHex,
  anyPlant,
  anyNumber,
  fc.constantFrom(null, DELETE, true, '', [], {}, ...HOP_STATUSES, 'OK', ...ERROR_CATEGORIES),
)
const mutation = fc.oneof(
  fc.record({ path: fc.constantFrom(...FIELD_PATHS), value: mutationValue }),
  fc.record({
    path: fc.tuple(fc.constantFrom(...PARENTS), fc.oneof(fc.string(), boundaryText, fc.constantFrom('__proto__', 'constructor', 'toString')))
      .map(([parent, key]) => [...parent, key]),
    value: mutationValue,
  }),
)

function mutate(event: Record<string, unknown>, path: string[], value: unknown): void {
  let node = event
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = path[path.length - 1]!
  // defineProperty: a `__proto__` key must be an own key, as JSON.parse makes it, not the prototype.
  if (value === DELETE) delete node[last]
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true })
}

describe('the compiled validator agrees with zod', () => {
  test('generated valid hop events: both accept, with the same output', () => {
    fc.assert(
      fc.property(validHopEvent, (event) => {
        expect(expectAgreement(JSON.stringify(event)), 'the generator made an event zod rejects').toBe(true)
      }),
      { numRuns: 400 },
    )
  })

  test('generated mutations of valid hop events: same verdict, same output or the same zod issues', () => {
    const seen = { valid: 0, invalid: 0 }
    fc.assert(
      fc.property(validHopEvent, fc.array(mutation, { minLength: 1, maxLength: 3 }), (generated, mutations) => {
        // Copies: fast-check reuses generated values (shrinking, constants) across runs.
        const event = structuredClone(generated)
        for (const m of mutations) mutate(event, m.path, m.value === DELETE ? DELETE : structuredClone(m.value))
        seen[expectAgreement(JSON.stringify(event)) ? 'valid' : 'invalid']++
      }),
      { numRuns: 1500 },
    )
    // Both verdicts must be well represented, or the property says little.
    expect(seen.valid, JSON.stringify(seen)).toBeGreaterThan(150)
    expect(seen.invalid, JSON.stringify(seen)).toBeGreaterThan(500)
  })
})

describe('crafted records', () => {
  const base = JSON.stringify({ event_id: 'e1', event_type: 't', occurred_at: '2026-11-22T13:05:00Z', correlation_id: 'c1', flow: 'f', hop: 'h', status: 'ok', plant: '2000' })
  /** The base record with the fields of `extra` (JSON text, so `1e400` and `__proto__` stay as written). */
  const withFields = (extra: string) => `${base.slice(0, -1)},${extra}}`
  const verdict = (json: string) => {
    const accepted = expectAgreement(json)
    return accepted ? 'valid' : 'invalid'
  }

  test.each([
    ['an id of 128 astral characters (256 UTF-16 units)', `"event_id":"${ASTRAL.repeat(128)}"`, 'valid'],
    ['an id of 129 astral characters', `"event_id":"${ASTRAL.repeat(129)}"`, 'invalid'],
    ['an id of 128 lone-surrogate escapes', `"event_id":"${'\\ud800'.repeat(128)}"`, 'valid'],
    ['an id of 129 lone-surrogate escapes', `"event_id":"${'\\ud800'.repeat(129)}"`, 'invalid'],
    ['an id of 127 characters: lone high surrogates before a pair', `"event_id":"${'\\ud800'.repeat(125)}\\ud800\\udc00a"`, 'valid'],
    ['an id of 129 characters: lone low surrogates after a pair', `"event_id":"${ASTRAL}${'\\udc00'.repeat(128)}"`, 'invalid'],
    ['an empty id', `"event_id":""`, 'invalid'],
    ['an id of one astral character', `"event_id":"${ASTRAL}"`, 'valid'],
    ['an id of one lone surrogate', `"event_id":"\\udc00"`, 'valid'],
    ['an attribute key of 128 astral characters', `"attributes":{"${ASTRAL.repeat(128)}":"v"}`, 'valid'],
    ['an attribute key of 129 astral characters', `"attributes":{"${ASTRAL.repeat(129)}":"v"}`, 'invalid'],
    ['an attribute value of 4096 astral characters', `"attributes":{"k":"${ASTRAL.repeat(4096)}"}`, 'valid'],
    ['an attribute value of 4096 astral characters and one more', `"attributes":{"k":"${ASTRAL.repeat(4096)}a"}`, 'invalid'],
    ['an empty plant', `"plant":""`, 'invalid'],
    ['a plant of 16 characters', `"plant":"${'A'.repeat(16)}"`, 'valid'],
    ['a plant of 17 characters', `"plant":"${'A'.repeat(17)}"`, 'invalid'],
    ['a plant with a non-ASCII letter', `"plant":"ÄB"`, 'invalid'],
    ['an uppercase trace id', `"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736"`, 'invalid'],
    ['a span id of 17 hex digits', `"span_id":"00f067aa0ba902b70"`, 'invalid'],
    ['latency_ms 1e400 (Infinity once parsed)', `"latency_ms":1e400`, 'invalid'],
    ['a quantity of -1e400', `"business":{"quantity":{"good":-1e400}}`, 'invalid'],
    ['latency_ms -0', `"latency_ms":-0`, 'valid'],
    ['latency_ms 2^53 - 1', `"latency_ms":9007199254740991`, 'valid'],
    ['latency_ms 2^53 (not a safe integer)', `"latency_ms":9007199254740992`, 'invalid'],
    ['latency_ms 1.5', `"latency_ms":1.5`, 'invalid'],
    ['latency_ms -1', `"latency_ms":-1`, 'invalid'],
    ['schema_version 0', `"schema_version":0`, 'invalid'],
    ['schema_version 2.0', `"schema_version":2.0`, 'valid'],
    ['schema_version as text', `"schema_version":"1"`, 'invalid'],
    ['attempt 1001', `"attempt":1001`, 'invalid'],
    ['http_status 99', `"error":{"category":"permanent","code":"E","text":"t","retryable":false,"http_status":99}`, 'invalid'],
    ['http_status 599', `"error":{"category":"permanent","code":"E","text":"t","retryable":false,"http_status":599}`, 'valid'],
    ['an error without its category', `"error":{"code":"E","text":"t","retryable":false}`, 'invalid'],
    ['error and replay null', `"error":null,"replay":null`, 'valid'],
    ['an empty replay id', `"replay":{"replay_id":""}`, 'invalid'],
    ['a payload of any JSON, null included', `"payload":[1,{"__proto__":{"x":1}},null]`, 'valid'],
    ['an own __proto__ key at the top, and in source and error', `"__proto__":{"plant":1},"source":{"system":"s","__proto__":5},"error":{"category":"transient","code":"c","text":"t","retryable":true,"__proto__":null}`, 'valid'],
    ['an own __proto__ key in attributes, of a type attributes refuse', `"attributes":{"__proto__":5,"k":"v"}`, 'valid'],
    ['unknown keys at every level', `"x":1,"source":{"system":"s","y":2},"business":{"z":[],"quantity":{"w":{}}},"replay":{"replay_id":"r","v":0},"attributes":{"any.key":"kept"}`, 'valid'],
    ['10,000 serials', `"business":{"serials":${JSON.stringify(Array(10_000).fill('S'))}}`, 'valid'],
    ['10,001 serials', `"business":{"serials":${JSON.stringify(Array(10_001).fill('S'))}}`, 'invalid'],
  ])('%s', (_, extra, expected) => {
    expect(verdict(withFields(extra))).toBe(expected)
  })

  test.each(NEAR_TIMES)('occurred_at %j: same verdict', (time) => {
    expectAgreement(withFields(`"occurred_at":${JSON.stringify(time)}`))
  })

  test.each(['null', '[]', '"text"', '1', 'true', '{}'])('a record that is %s: both reject', (json) => {
    expect(verdict(json)).toBe('invalid')
  })

  test('the default and the stripping land in the value itself', () => {
    const value = JSON.parse(withFields(`"x":1,"source":{"system":"s","y":2}`)) as Record<string, unknown>
    expect(hopEventInPlace(value)).toBe(value)
    expect(value).toMatchObject({ schema_version: 1, source: { system: 's' } })
    expect(value).not.toHaveProperty('x')
    expect(value.source).not.toHaveProperty('y')
  })
})

describe('strippingSchema', () => {
  test('refuses a JSON Schema keyword whose meaning has not been checked against zod', () => {
    expect(() => strippingSchema({ type: 'object', properties: { a: { type: 'string', oneOf: [] } } })).toThrow(/"oneOf"/)
  })

  test('closes objects with properties, keeps a record and a catchall open', () => {
    const schema = strippingSchema({
      type: 'object',
      properties: {
        r: { type: 'object', additionalProperties: { type: 'string' } },
        o: { anyOf: [{ type: 'object', properties: {} }, { type: 'null' }] },
        // zod's .catchall(): known keys and a schema for the others, which must stay.
        c: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'number' } },
      },
    })
    expect(schema).toEqual({
      type: 'object',
      properties: {
        r: { type: 'object', additionalProperties: { type: 'string' } },
        o: { anyOf: [{ type: 'object', properties: {}, additionalProperties: false }, { type: 'null' }] },
        c: { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'number' } },
      },
      additionalProperties: false,
    })
  })
})
