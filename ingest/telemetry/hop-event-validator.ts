import { _, Ajv2020, type KeywordCxt } from 'ajv/dist/2020.js'
import { hopEventJsonSchema, hopEventSchema, type HopEvent } from '../../server/domain/hop-event'

/**
 * The hop-event contract compiled to a plain JS function (Ajv), for the ingest hot path: zod's
 * safeParse cost more per record than JSON.parse. zod stays the single source of truth: the
 * compiled function is generated at module load from `hopEventJsonSchema()`, and
 * hop-event-validator.test.ts feeds both the same valid and invalid records. It answers only
 * "valid or not": for an invalid record `checkHopEvent` asks zod, whose issues name the DLQ reasons.
 *
 * It lives with the ingest worker, not beside the contract in server/domain/, because only the
 * worker uses it and client components import server/domain/ (Ajv compiles with `new Function`).
 */

/** The JSON Schema keywords whose meaning below has been checked against zod's. */
const KNOWN_KEYWORDS = new Set([
  '$schema',
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'anyOf',
  'enum',
  'default',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'minimum',
  'maximum',
  'maxItems',
])

type Schema = { [keyword: string]: unknown }

/**
 * The generated schema, made to strip like zod: Ajv's `removeAdditional` removes unknown keys only
 * where `additionalProperties` is false, so it is set on every object with `properties` (never on
 * `attributes`, a record: its `additionalProperties` is the value schema). A keyword not in
 * KNOWN_KEYWORDS stops the worker at start: it may not mean for Ajv what it means for zod.
 */
export function strippingSchema(schema: Schema): Schema {
  const out: Schema = {}
  for (const [keyword, value] of Object.entries(schema)) {
    if (!KNOWN_KEYWORDS.has(keyword))
      throw new Error(`hop-event JSON Schema uses "${keyword}": check that Ajv reads it as zod does, then add it to KNOWN_KEYWORDS`)
    if (keyword === 'properties')
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, s]) => [k, strippingSchema(s)]))
    else if (keyword === 'anyOf') out.anyOf = (value as Schema[]).map(strippingSchema)
    else if (['items', 'additionalProperties', 'propertyNames'].includes(keyword) && typeof value === 'object')
      out[keyword] = strippingSchema(value as Schema)
    else out[keyword] = value
  }
  if (out.properties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false
  return out
}

const ajv = new Ajv2020({
  strict: true,
  // Only "valid or not" is asked: zod writes the messages.
  messages: false,
  // String lengths are counted below (codePoints), as zod counts them.
  // The patterns are zod's regex sources, which zod runs without the u flag.
  unicodeRegExp: false,
  // 1e400 parses to Infinity: zod's numbers and integers reject it, so must Ajv's.
  strictNumbers: true,
  removeAdditional: true,
  useDefaults: true,
  // z.iso.datetime's own pattern is in the schema beside the format: the pattern is the contract,
  // so the format adds no rule. Any other format is unknown, which strict mode refuses at load.
  formats: { 'date-time': true },
})

/** Code points of `s` as zod counts them: a surrogate pair once, a lone surrogate as one. */
function codePoints(s: string): number {
  let n = s.length
  for (let i = 0; i < s.length - 1; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n--
      i++
    }
  }
  return n
}

/**
 * minLength/maxLength in code points, as zod's checks (and Ajv's own keywords) measure, but
 * counted only when the UTF-16 length leaves the answer in doubt, as zod does: a code point is one
 * or two units. Ajv's keywords count every string in full, which was most of the validator's time.
 */
ajv.removeKeyword('maxLength').removeKeyword('minLength')
ajv.addKeyword({
  keyword: ['maxLength', 'minLength'],
  type: 'string',
  schemaType: 'number',
  code(cxt: KeywordCxt) {
    const { data, schema, keyword } = cxt
    const count = cxt.gen.scopeValue('func', { ref: codePoints })
    if (keyword === 'maxLength') cxt.fail(_`${data}.length > ${schema} && ${count}(${data}) > ${schema}`)
    else cxt.fail(_`${data}.length < ${2 * schema} && ${count}(${data}) < ${schema}`)
  },
})

const validate = ajv.compile(strippingSchema(hopEventJsonSchema() as Schema))

/**
 * The hop event `value` is, or undefined when zod's `hopEventSchema` would reject it. Valid or not,
 * `value` is completed IN PLACE (unknown keys removed, `schema_version` defaulted): the result is
 * `value` itself, deep-equal to zod's `result.data`. Callers pass a value they own (decode's
 * freshly parsed JSON); the in-place changes do not alter what zod then says of an invalid one,
 * since zod ignores unknown keys and would apply the same default.
 */
export function hopEventInPlace(value: unknown): HopEvent | undefined {
  // zod's records skip an own `__proto__` key (neither checked nor copied); Ajv would check it.
  const attributes = (value as { attributes?: unknown } | null)?.attributes
  if (typeof attributes === 'object' && attributes !== null && Object.hasOwn(attributes, '__proto__'))
    delete (attributes as Record<string, unknown>)['__proto__']
  return validate(value) ? (value as HopEvent) : undefined
}

type ZodIssues = NonNullable<ReturnType<typeof hopEventSchema.safeParse>['error']>['issues']

/**
 * A hop event by the compiled contract, else zod's verdict with its issues: what decode, the OTLP
 * mapper and the tap mapper each need (`value` is completed in place, as by hopEventInPlace). Were
 * the two ever to disagree that way, zod (the contract) keeps the value.
 */
export function checkHopEvent(
  value: unknown,
  /** The compiled check; a test passes one that rejects everything, the one disagreement seen at run time. */
  compiled: (value: unknown) => HopEvent | undefined = hopEventInPlace,
): { event: HopEvent; issues?: undefined } | { event?: undefined; issues: ZodIssues } {
  const event = compiled(value)
  if (event) return { event }
  const result = hopEventSchema.safeParse(value)
  return result.success ? { event: result.data } : { issues: result.error.issues }
}
