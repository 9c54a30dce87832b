import { otlpMappingConfigSchema, repeatedServicePatterns, SPAN_BUSINESS_KEYS, type OtlpMappingConfig, type SpanBusinessKey } from '@/server/domain/otlp-mapping'

/**
 * The OpenTelemetry mapping as the editor holds it: every field as the text in its input (lists of
 * attribute names and hosts comma-separated, an optional field empty when unset), so typing is never
 * fought by parsing. `fromDraft` turns it back into the mapping, checked with the worker's schema.
 */

export const ATTRIBUTE_FIELDS = ['plant', 'correlationId', 'flow', 'eventType'] as const
type AttributeField = (typeof ATTRIBUTE_FIELDS)[number]

export interface RuleDraft {
  service: string
  hop: string
  flow: string
  plant: string
  processEventType: string
}

export interface MappingDraft {
  defaultPlant: string
  defaultHop: string
  defaultFlow: string
  services: RuleDraft[]
  erpHosts: string
  attributes: Record<AttributeField, string>
  businessKeys: Record<SpanBusinessKey, string>
}

const list = (names: readonly string[]) => names.join(', ')
const names = (text: string) =>
  text
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean)
const optional = (text: string) => (text.trim() === '' ? undefined : text.trim())

export const emptyRule = (): RuleDraft => ({ service: '', hop: '', flow: '', plant: '', processEventType: '' })

export function toDraft(config: OtlpMappingConfig): MappingDraft {
  return {
    defaultPlant: config.defaultPlant ?? '',
    defaultHop: config.defaultHop,
    defaultFlow: config.defaultFlow,
    services: config.services.map((r) => ({ service: r.service, hop: r.hop ?? '', flow: r.flow ?? '', plant: r.plant ?? '', processEventType: r.processEventType ?? '' })),
    erpHosts: list(config.erpHosts),
    attributes: Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [f, list(config.attributes[f])])) as Record<AttributeField, string>,
    businessKeys: Object.fromEntries(SPAN_BUSINESS_KEYS.map((k) => [k, list(config.attributes.businessKeys[k])])) as Record<SpanBusinessKey, string>,
  }
}

/** The mapping the draft stands for, before validation (what the server is sent). */
export function fromDraft(d: MappingDraft): Record<string, unknown> {
  return {
    defaultPlant: optional(d.defaultPlant),
    defaultHop: d.defaultHop.trim(),
    defaultFlow: d.defaultFlow.trim(),
    services: d.services.map((r) => ({
      service: r.service.trim(),
      hop: optional(r.hop),
      flow: optional(r.flow),
      plant: optional(r.plant),
      processEventType: optional(r.processEventType),
    })),
    erpHosts: names(d.erpHosts),
    attributes: {
      ...Object.fromEntries(ATTRIBUTE_FIELDS.map((f) => [f, names(d.attributes[f])])),
      businessKeys: Object.fromEntries(SPAN_BUSINESS_KEYS.map((k) => [k, names(d.businessKeys[k])])),
    },
  }
}

/**
 * What is wrong with the draft, by field path (`services.2.plant`, `attributes.businessKeys.lot`):
 * the worker's schema, plus a rule repeating an earlier rule's pattern (the first match wins, so it
 * would never apply; the server refuses it too). A list's issue is filed under the list's field.
 */
export function draftIssues(d: MappingDraft): Map<string, string> {
  const issues = new Map<string, string>()
  const add = (path: string, message: string) => {
    if (!issues.has(path)) issues.set(path, message)
  }
  const parsed = otlpMappingConfigSchema.safeParse(fromDraft(d))
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String)
      // An attribute-name list's element (`attributes.plant.0`) is shown on the list's input.
      const field = path[0] === 'attributes' || path[0] === 'erpHosts' ? path.filter((p) => !/^\d+$/.test(p)).join('.') : path.join('.')
      add(field || 'mapping', issue.message)
    }
  for (const { index, first } of repeatedServicePatterns(d.services.map((r) => ({ service: r.service.trim() }))))
    add(`services.${index}.service`, `repeats rule ${first + 1}'s pattern and would never apply; remove one`)
  return issues
}
