import { z } from 'zod'
import { plantCodeSchema } from './plants'
import { BUSINESS_KEY_TYPES } from './trace-search'

/**
 * How spans become hop events, per service (SOURCES.md "OTLP → hop events"). Edited by admins in /admin (server/services/otlp/mapping.ts);
 * every field has a default, so `parseOtlpMappingConfig({})` is a working mapping (except the plant:
 * without `defaultPlant` a span must name its plant, or it is unmapped with reason `no_plant`).
 *
 * Patterns (service names, ERP hosts) are globs: `*` matches any run of characters, nothing else is
 * special, case is ignored.
 */

/** Hop-event business keys read from spans: the searchable ones plus those the hop contract adds. */
export const SPAN_BUSINESS_KEYS = [
  ...BUSINESS_KEY_TYPES.filter((key) => key !== 'trace_id'),
  'operation',
  'handling_unit',
] as const
export type SpanBusinessKey = (typeof SPAN_BUSINESS_KEYS)[number]

// Messages say what is wrong in the admin's words: the editor and the service show them per field.
const pattern = z.string().min(1, 'a pattern is needed, e.g. camel-*').max(256, 'a pattern is at most 256 characters')
/** Attribute names tried in order; the first present wins. */
const names = (defaults: string[]) =>
  z
    .array(z.string().min(1, 'an attribute name cannot be empty').max(256, 'an attribute name is at most 256 characters'))
    .max(16, 'at most 16 attribute names')
    .default(defaults)
const hop = z.string().min(1, 'a hop is needed, e.g. hub').max(32, 'a hop is at most 32 characters')
const flow = z.string().min(1, 'a flow is needed, e.g. production_confirmation').max(64, 'a flow is at most 64 characters')

export const otlpServiceRuleSchema = z.object({
  /** Glob on `service.name`; the first matching rule applies. */
  service: pattern,
  hop: hop.optional(),
  flow: flow.optional(),
  plant: plantCodeSchema.optional(),
  /** Event type of this service's `process` spans (default `integration.transformed`). */
  processEventType: z.string().min(1).max(128, 'an event type is at most 128 characters').optional(),
})
export type OtlpServiceRule = z.infer<typeof otlpServiceRuleSchema>

export const DEFAULT_SERVICE_RULES: OtlpServiceRule[] = [
  { service: 'mes-*', hop: 'mes' },
  { service: '*-hub', hop: 'hub' },
  { service: 'camel-*', hop: 'hub' },
  { service: 'wms-*', hop: 'wms' },
  { service: 'qms-*', hop: 'qms' },
  { service: 'erp-*', hop: 'erp' },
]

/** Hosts that are "the ERP": HTTP client spans to them become `erp.posting_*` hops. */
export const DEFAULT_ERP_HOSTS = ['erp', 'erp.*', 'erp-*', '*-erp', '*-erp.*', '*.erp.*']

const businessKeyNames = z
  .object(Object.fromEntries(SPAN_BUSINESS_KEYS.map((key) => [key, names([`linetrace.${key}`, `app.${key}`, key])])) as {
    [K in SpanBusinessKey]: ReturnType<typeof names>
  })
  .prefault({})

export const otlpMappingConfigSchema = z.object({
  /** Plant of spans that name none and whose service rule names none. */
  defaultPlant: plantCodeSchema.optional(),
  /** Hop of services no rule matches: most OTel-instrumented middleware is the hub. */
  defaultHop: hop.default('hub'),
  defaultFlow: flow.default('production_confirmation'),
  /** Replaces DEFAULT_SERVICE_RULES when given (list them again to keep them). */
  services: z.array(otlpServiceRuleSchema).max(256).default(DEFAULT_SERVICE_RULES),
  erpHosts: z.array(pattern).max(64).default(DEFAULT_ERP_HOSTS),
  attributes: z
    .object({
      plant: names(['linetrace.plant']),
      correlationId: names(['linetrace.correlation_id']),
      flow: names(['linetrace.flow']),
      /** Makes any span a hop of this type (for spans that are neither messaging nor ERP calls). */
      eventType: names(['linetrace.event_type']),
      businessKeys: businessKeyNames,
    })
    .prefault({}),
})

export type OtlpMappingConfigInput = z.input<typeof otlpMappingConfigSchema>
export type OtlpMappingConfig = z.output<typeof otlpMappingConfigSchema>

export function parseOtlpMappingConfig(input: unknown): OtlpMappingConfig {
  return otlpMappingConfigSchema.parse(input)
}

/**
 * Rules no span can reach: the first matching rule applies, so a rule whose pattern (case ignored,
 * like the glob) repeats an earlier one's never does. The schema allows them; the service refuses
 * them and the editor shows them. `index` repeats `first`; empty patterns are the schema's to name.
 */
export function repeatedServicePatterns(rules: readonly { service: string }[]): { index: number; first: number }[] {
  const repeats: { index: number; first: number }[] = []
  const seen = new Map<string, number>()
  rules.forEach((rule, index) => {
    const key = rule.service.toLowerCase()
    if (!key) return
    const first = seen.get(key)
    if (first === undefined) seen.set(key, index)
    else repeats.push({ index, first })
  })
  return repeats
}

/** A glob (`*` = any run of characters, case ignored) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*')
  return new RegExp(`^${body}$`, 'i')
}

/**
 * The hop attribute naming the span's resource, stored once in otel_resources (ClickHouse
 * migration 0013; written by ingest/otlp/resources.ts, read by the trace view).
 */
export const RESOURCE_ID_ATTRIBUTE = 'otel.resource_id'
