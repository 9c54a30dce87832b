import { z } from 'zod'
import { SPAN_BUSINESS_KEYS } from './otlp-mapping'

/**
 * A topic tap (SOURCES.md "Topic taps → hop events"): a read-only consumer of a topic a plant
 * already has, with a mapping from each record to a hop event. Declared by admins (Postgres,
 * server/services/taps/) or in TAPS_FILE (YAML or JSON, validated by this schema at start-up).
 *
 * Expressions are JSONata (https://jsonata.org), one library for every field: the record's value
 * is the input (`$`), so JSONPath-style paths work as written (`$.order.workOrder`, `$.lines[0].qty`);
 * `$key` (text), `$headers` (name → text) and `$meta` (`topic`, `partition`, `offset`, `timestamp`
 * as RFC 3339) are bound beside it. A field is an expression (a string) or a constant (`{ value }`).
 */

export const TAP_NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/

export const tapNameSchema = z
  .string()
  .regex(TAP_NAME_PATTERN, 'a tap name is 1–63 lowercase letters, digits or -, starting with a letter or digit, e.g. mes-confirmations')

/** A JSONata expression; whether it compiles is checked where it is compiled (ingest/taps/). */
export const tapExpressionSchema = z.string().min(1, 'an expression cannot be empty').max(4000, 'an expression is at most 4000 characters')

export const tapFieldSchema = z.union([tapExpressionSchema, z.object({ value: z.string().max(4000) }).strict()])
export type TapField = z.infer<typeof tapFieldSchema>

export const TAP_FORMATS = ['json', 'cloudevents', 'text'] as const

export const tapStartSchema = z.union([z.enum(['latest', 'earliest']), z.object({ timestamp: z.iso.datetime({ offset: true }) }).strict()])
export type TapStart = z.infer<typeof tapStartSchema>

export const tapMappingSchema = z
  .object({
    correlation_id: tapFieldSchema,
    event_type: tapFieldSchema,
    flow: tapFieldSchema,
    hop: tapFieldSchema,
    plant: tapFieldSchema,
    /** Default: the record timestamp. */
    occurred_at: tapFieldSchema.optional(),
    origin_time: tapFieldSchema.optional(),
    /** Must evaluate to one of HOP_STATUSES; default `ok`. */
    status: tapFieldSchema.optional(),
    /** The attempt of a step that is retried (1 the first time), e.g. an ERP posting: what first-pass success counts. */
    attempt: tapFieldSchema.optional(),
    source_system: tapFieldSchema.optional(),
    source_instance: tapFieldSchema.optional(),
    /** Used when status evaluates to `error` (or an error code/text is present). */
    error_code: tapFieldSchema.optional(),
    error_text: tapFieldSchema.optional(),
    error_category: tapFieldSchema.optional(),
    business: z.partialRecord(z.enum([...SPAN_BUSINESS_KEYS, 'quantity_good', 'quantity_scrap', 'quantity_uom']), tapFieldSchema).default({}),
    attributes: z.record(z.string().min(1).max(128), tapFieldSchema).default({}),
  })
  .strict()
export type TapMapping = z.infer<typeof tapMappingSchema>

export const tapDefinitionSchema = z
  .object({
    name: tapNameSchema,
    /** A topic name, or `/regex/` for every topic it matches. */
    topic: z.string().min(1).max(249),
    /**
     * Where the tap's group starts the first time. Default `earliest`: what the topic still holds shows
     * at once (Kafka retention bounds it); `latest` for only what comes after the tap was enabled.
     */
    start: tapStartSchema.default('earliest'),
    format: z.enum(TAP_FORMATS).default('json'),
    /** For `text`: a regular expression whose named groups are the input's fields. */
    textPattern: z.string().max(2000).optional(),
    mapping: tapMappingSchema,
    /** The tap pauses itself when more than this share of records failed to map over the last 1,000 (at least 100 seen). */
    maxErrorRate: z.number().min(0).max(1).default(0.5),
  })
  .strict()
export type TapDefinition = z.infer<typeof tapDefinitionSchema>
export type TapDefinitionInput = z.input<typeof tapDefinitionSchema>
