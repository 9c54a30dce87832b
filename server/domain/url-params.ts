import { FLOWS } from './hop-event'
import { isPreset, RANGE_PRESETS } from './time-range'

/**
 * Console URL parameters, checked the way the REST API checks its own (issue 19: a link with an
 * unknown flow, plant, status or date must say so instead of showing "All flows" over an empty
 * list). A page passes its raw search parameters, the plants the user may see, and the REST
 * schema's issues for the same filters; it gets one issue per parameter, naming it. The page shows
 * them and leaves the parameters out of what it applies. Pure, so the notice (client) can use it.
 */

export interface UrlParamIssue {
  param: string
  value: string
  message: string
}

export type RawParams = Record<string, string | string[] | undefined>

/** An issue as zod reports it: the parameter is the first path element. */
export interface SchemaIssue {
  path: readonly PropertyKey[]
  message: string
}

export interface UrlParamContext {
  /** The plants the user may see; `all` for those who see every plant (they get "no such plant"). */
  plants: { codes: readonly string[]; all: boolean }
  /**
   * The REST schema's verdict on the same parameters (as `toSchemaInput` renamed them), e.g.
   * `traceRestQuery.safeParse(input).error?.issues`.
   */
  check?: (input: Record<string, string>) => readonly SchemaIssue[]
  /** Console name → REST name, where they differ (the trace search's `q` is REST's `key`). */
  rename?: Readonly<Record<string, string>>
}

const PRESETS = Object.keys(RANGE_PRESETS).join(', ')

/** The first value of each parameter, as the console reads them. */
export function firstValues(raw: RawParams): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) {
    const value = Array.isArray(v) ? v[0] : v
    if (value !== undefined) out[k] = value
  }
  return out
}

function headerIssues(params: Record<string, string>, ctx: UrlParamContext): UrlParamIssue[] {
  const issues: UrlParamIssue[] = []
  const { range, from, to, plant, flow } = params
  if (range && !isPreset(range)) issues.push({ param: 'range', value: range, message: `unknown time range; use one of ${PRESETS}, or from and to` })
  for (const [param, value] of [['from', from], ['to', to]] as const)
    if (value && Number.isNaN(Date.parse(value))) issues.push({ param, value, message: 'not a date and time; use e.g. 2026-12-05T08:00:00Z' })
  if (from && to && !issues.length && Date.parse(from) >= Date.parse(to)) issues.push({ param: 'to', value: to, message: 'must be after from' })
  if (plant && !ctx.plants.codes.includes(plant))
    issues.push({ param: 'plant', value: plant, message: ctx.plants.all ? 'no such plant' : 'not one of your plants (or no such plant)' })
  if (flow) {
    const unknown = flow.split(',').map((f) => f.trim()).filter((f) => f && !(FLOWS as readonly string[]).includes(f))
    if (unknown.length) issues.push({ param: 'flow', value: flow, message: `unknown flow ${unknown.map((f) => `"${f}"`).join(', ')}; flows are ${FLOWS.join(', ')}` })
  }
  return issues
}

/** Every parameter of a console URL that cannot be applied, once each, in the order of the URL. */
export function urlParamIssues(raw: RawParams, ctx: UrlParamContext): UrlParamIssue[] {
  const params = firstValues(raw)
  const issues = headerIssues(params, ctx)
  if (ctx.check) {
    const rename = ctx.rename ?? {}
    const back = Object.fromEntries(Object.entries(rename).map(([console, rest]) => [rest, console]))
    const input: Record<string, string> = {}
    for (const [k, v] of Object.entries(params)) if (v !== '') input[rename[k] ?? k] = v
    for (const issue of ctx.check(input)) {
      const restName = String(issue.path[0] ?? '')
      const param = back[restName] ?? restName
      if (!param || issues.some((i) => i.param === param)) continue
      issues.push({ param, value: params[param] ?? '', message: issue.message })
    }
  }
  const order = Object.keys(params)
  return issues.sort((a, b) => order.indexOf(a.param) - order.indexOf(b.param))
}

/**
 * The query string without the parameters that could not be applied (`from` and `to` go together:
 * one without the other is no range). What the notice leaves in the address bar, so the controls
 * and the URL show what is applied.
 */
export function withoutParams(search: string, issues: readonly UrlParamIssue[]): string {
  const drop = new Set(issues.map((i) => i.param))
  if (drop.has('from') || drop.has('to')) drop.add('from').add('to')
  const next = new URLSearchParams(search)
  for (const p of drop) next.delete(p)
  const query = next.toString()
  return query ? `?${query}` : ''
}
