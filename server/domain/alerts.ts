import { z } from 'zod'
import { plantCodeSchema } from './plants'
import type { Tone } from './txn-state'

/**
 * Alerts as people and automation see them: severities, the rule kinds with their parameters (one
 * zod schema per kind, shared by tRPC, REST and the evaluator), the inbox states, channel and
 * silence inputs, and the link descriptors an episode carries. Pure, so client components may
 * import it.
 */

export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number]

export const ALERT_SEVERITY_INFO: Readonly<Record<AlertSeverity, { label: string; tone: Tone; icon: string; description: string }>> = {
  info: { label: 'info', tone: 'neutral', icon: 'ℹ', description: 'Worth knowing; nobody needs to act now.' },
  warning: { label: 'warning', tone: 'warn', icon: '▲', description: 'An SLA is at risk: look within the shift.' },
  critical: { label: 'critical', tone: 'bad', icon: '■', description: 'Postings are failing or missing now: act immediately.' },
}

/** What the inbox shows: firing (not yet acknowledged), acknowledged (still firing), resolved. */
export const ALERT_STATES = ['firing', 'acknowledged', 'resolved'] as const
export type AlertState = (typeof ALERT_STATES)[number]

export const ALERT_STATE_INFO: Readonly<Record<AlertState, { label: string; tone: Tone; icon: string; description: string }>> = {
  firing: { label: 'firing', tone: 'bad', icon: '●', description: 'The condition holds and nobody has acknowledged it yet.' },
  acknowledged: { label: 'acknowledged', tone: 'warn', icon: '✎', description: 'Still firing; someone is on it (see the comment).' },
  resolved: { label: 'resolved', tone: 'ok', icon: '✓', description: 'The condition cleared.' },
}

export function alertStateOf(e: { state: 'pending' | 'firing' | 'resolved'; acknowledgedAt: Date | string | null }): AlertState | 'pending' {
  if (e.state === 'firing') return e.acknowledgedAt ? 'acknowledged' : 'firing'
  return e.state
}

// ── Rule kinds and their parameters ────────────────────────────────────────────────────────────

export const ALERT_RULE_KINDS = ['kpi_sla', 'dead_letter_backlog', 'stuck_transactions', 'ingest_freshness', 'no_posting'] as const
export type AlertRuleKind = (typeof ALERT_RULE_KINDS)[number]

/** KPIs a kpi_sla rule can watch (the KpiSource answers these; targets come from the SLA book). */
export const ALERT_KPIS = ['e2e_latency_p95', 'first_pass_success', 'technical_failure_rate'] as const
export type AlertKpi = (typeof ALERT_KPIS)[number]

const int = (min: number, max: number, what: string) =>
  z.number({ error: `${what} must be a number` }).int(`${what} must be a whole number`).min(min, `${what} must be at least ${min}`).max(max, `${what} must be at most ${max}`)

export const kpiSlaParamsSchema = z.strictObject({
  kpi: z.enum(ALERT_KPIS, { error: `kpi must be one of ${ALERT_KPIS.join(', ')}` }),
  /** The KPI is measured over the last `windowMinutes`. */
  windowMinutes: int(5, 1440, 'windowMinutes').default(60),
  /** Absent: the plant/flow SLA target at each evaluation (an SLA edit applies at once). */
  threshold: z.number({ error: 'threshold must be a number' }).finite().optional(),
  /** Fewer transactions than this in the window: no verdict (a rate over 3 postings says little). */
  minSamples: int(1, 100_000, 'minSamples').default(10),
})

export const deadLetterParamsSchema = z
  .strictObject({
    /** Fire when more dead letters than this are open. */
    maxOpen: int(0, 10_000_000, 'maxOpen').optional(),
    /** Fire when the oldest open dead letter is older than this. */
    maxOldestAgeMinutes: int(1, 525_600, 'maxOldestAgeMinutes').optional(),
  })
  .refine((p) => p.maxOpen !== undefined || p.maxOldestAgeMinutes !== undefined, { error: 'set maxOpen, maxOldestAgeMinutes or both' })

export const stuckParamsSchema = z.strictObject({
  /** Fire when at least this many transactions are stuck … */
  minCount: int(1, 1_000_000, 'minCount').default(1),
  /** … for longer than the flow SLA plus this many minutes. */
  stuckForMinutes: int(0, 10_080, 'stuckForMinutes').default(0),
  /** Transactions older than this are not looked at (they belong to the backlog-age KPI). */
  lookbackHours: int(1, 168, 'lookbackHours').default(24),
})

export const ingestFreshnessParamsSchema = z.strictObject({
  /** Fire when the plant's newest ingested event is older than this. */
  maxFreshnessSeconds: int(1, 86_400, 'maxFreshnessSeconds').default(60),
  /** Also fire when the ingest consumer lag (records, all partitions) exceeds this. */
  maxLag: int(1, 1_000_000_000, 'maxLag').optional(),
})

export const noPostingParamsSchema = z.strictObject({
  /** Fire when no posting succeeded for this many minutes, all of them inside shift hours. */
  minutes: int(5, 1440, 'minutes').default(30),
})

export const ALERT_PARAM_SCHEMAS = {
  kpi_sla: kpiSlaParamsSchema,
  dead_letter_backlog: deadLetterParamsSchema,
  stuck_transactions: stuckParamsSchema,
  ingest_freshness: ingestFreshnessParamsSchema,
  no_posting: noPostingParamsSchema,
} as const

export interface AlertParamsByKind {
  kpi_sla: z.infer<typeof kpiSlaParamsSchema>
  dead_letter_backlog: z.infer<typeof deadLetterParamsSchema>
  stuck_transactions: z.infer<typeof stuckParamsSchema>
  ingest_freshness: z.infer<typeof ingestFreshnessParamsSchema>
  no_posting: z.infer<typeof noPostingParamsSchema>
}

/** Parameters of a kind, validated (defaults filled); throws a ZodError naming the bad field. */
export function parseAlertParams<K extends AlertRuleKind>(kind: K, params: unknown): AlertParamsByKind[K] {
  return ALERT_PARAM_SCHEMAS[kind].parse(params ?? {}) as AlertParamsByKind[K]
}

export interface ParamField {
  key: string
  label: string
  unit?: string
  type: 'int' | 'number' | 'kpi'
  optional?: boolean
  help: string
}

/** Words for each kind and the form fields of its parameters (the rules editor renders these). */
export const ALERT_RULE_KIND_INFO: Readonly<Record<AlertRuleKind, { label: string; description: string; fields: readonly ParamField[] }>> = {
  kpi_sla: {
    label: 'KPI against its SLA',
    description: 'A sync KPI misses its target over a rolling window, for the rule’s “for” time.',
    fields: [
      { key: 'kpi', label: 'KPI', type: 'kpi', help: 'E2E posting latency p95, first-pass posting success or technical failure rate.' },
      { key: 'windowMinutes', label: 'Window', unit: 'min', type: 'int', help: 'The KPI is measured over this many recent minutes.' },
      { key: 'threshold', label: 'Threshold', type: 'number', optional: true, help: 'Empty: the plant’s SLA target for the flow.' },
      { key: 'minSamples', label: 'Minimum transactions', type: 'int', help: 'Fewer in the window: no verdict.' },
    ],
  },
  dead_letter_backlog: {
    label: 'Dead-letter backlog',
    description: 'Too many open dead letters, or the oldest one waits too long.',
    fields: [
      { key: 'maxOpen', label: 'Open dead letters above', type: 'int', optional: true, help: 'Fires when more are open.' },
      { key: 'maxOldestAgeMinutes', label: 'Oldest open older than', unit: 'min', type: 'int', optional: true, help: 'Fires when the oldest open one is older.' },
    ],
  },
  stuck_transactions: {
    label: 'Stuck transactions',
    description: 'Transactions with no posting within the flow SLA (and nothing parked them).',
    fields: [
      { key: 'minCount', label: 'At least', type: 'int', help: 'Number of stuck transactions that fires the rule.' },
      { key: 'stuckForMinutes', label: 'Stuck for more than', unit: 'min', type: 'int', help: 'Beyond the flow SLA; 0 = any stuck transaction.' },
      { key: 'lookbackHours', label: 'Look back', unit: 'h', type: 'int', help: 'Older transactions are left to the backlog-age KPI.' },
    ],
  },
  ingest_freshness: {
    label: 'Ingest freshness / lag',
    description: 'Telemetry from the plant arrives late, or the ingest consumer falls behind.',
    fields: [
      { key: 'maxFreshnessSeconds', label: 'Newest event older than', unit: 's', type: 'int', help: 'Age of the plant’s newest ingested hop event.' },
      { key: 'maxLag', label: 'Consumer lag above', unit: 'records', type: 'int', optional: true, help: 'Records not yet ingested, all partitions.' },
    ],
  },
  no_posting: {
    label: 'No posting (non-event)',
    description: 'No successful ERP posting of the flow from the plant (or line) for N minutes during shift hours.',
    fields: [{ key: 'minutes', label: 'Silent for', unit: 'min', type: 'int', help: 'Every minute of the window must lie inside shift hours.' }],
  },
}

export const ALERT_KPI_INFO: Readonly<Record<AlertKpi, { label: string; unit: 's' | '%'; direction: 'max' | 'min' }>> = {
  e2e_latency_p95: { label: 'E2E posting latency p95', unit: 's', direction: 'max' },
  first_pass_success: { label: 'First-pass posting success', unit: '%', direction: 'min' },
  technical_failure_rate: { label: 'Technical failure rate', unit: '%', direction: 'max' },
}

// ── Inputs ─────────────────────────────────────────────────────────────────────────────────────

/** A flow name, or "*" for every flow of the plant. */
export const alertFlowSchema = z
  .string()
  .trim()
  .regex(/^(\*|[a-z][a-z0-9_]{0,63})$/, 'flow must be "*" or a flow name such as goods_movement')
const lineSchema = z.string().trim().regex(/^[A-Za-z0-9_.-]{1,32}$/, 'line must be a line code such as L03')
const minutes = (what: string) => int(0, 1440, what)

/**
 * Hysteresis of a rule that does not set its own (API, rules editor): the condition must hold at
 * every evaluation for `forMinutes` before the alert fires, and be clear for `keepFiringMinutes`
 * before it resolves — so one slow transaction or one evaluation's blip pages nobody, and a
 * condition flapping around its bound stays one alert instead of re-paging. Kinds whose condition
 * already is a duration (no posting for N minutes) or a settled fact (a parked dead letter) fire at
 * once; every kind resolves only after 5–10 quiet minutes. The onboarding template
 * (services/alerts/template.ts) derives the stuck rule's `for` from the plant's flow SLA instead.
 */
export const ALERT_TIMING_DEFAULTS: Readonly<Record<AlertRuleKind, { forMinutes: number; keepFiringMinutes: number }>> = {
  kpi_sla: { forMinutes: 10, keepFiringMinutes: 10 },
  dead_letter_backlog: { forMinutes: 0, keepFiringMinutes: 10 },
  stuck_transactions: { forMinutes: 5, keepFiringMinutes: 5 },
  ingest_freshness: { forMinutes: 5, keepFiringMinutes: 5 },
  no_posting: { forMinutes: 0, keepFiringMinutes: 10 },
}

const ruleBase = {
  plant: plantCodeSchema,
  flow: alertFlowSchema.default('*'),
  line: lineSchema.nullish(),
  name: z.string().trim().min(1).max(120).optional(),
  severity: z.enum(ALERT_SEVERITIES, { error: `severity must be one of ${ALERT_SEVERITIES.join(', ')}` }),
  enabled: z.boolean().default(true),
  /** Absent: ALERT_TIMING_DEFAULTS of the rule's kind. */
  forMinutes: minutes('forMinutes').optional(),
  keepFiringMinutes: minutes('keepFiringMinutes').optional(),
}

/** A new rule: the kind decides the shape of `params`. */
export const alertRuleInputSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ ...ruleBase, kind: z.literal('kpi_sla'), params: kpiSlaParamsSchema }),
    z.object({ ...ruleBase, kind: z.literal('dead_letter_backlog'), params: deadLetterParamsSchema }),
    z.object({ ...ruleBase, kind: z.literal('stuck_transactions'), params: stuckParamsSchema.default({ minCount: 1, stuckForMinutes: 0, lookbackHours: 24 }) }),
    z.object({ ...ruleBase, kind: z.literal('ingest_freshness'), params: ingestFreshnessParamsSchema.default({ maxFreshnessSeconds: 60 }) }),
    z.object({ ...ruleBase, kind: z.literal('no_posting'), params: noPostingParamsSchema.default({ minutes: 30 }) }),
  ],
  { error: `kind must be one of ${ALERT_RULE_KINDS.join(', ')}` },
)
export type AlertRuleInput = z.infer<typeof alertRuleInputSchema>

/** A change to a rule; `params` is checked against the rule's kind (which never changes). */
export const alertRuleUpdateSchema = z
  .strictObject({
    flow: alertFlowSchema,
    line: lineSchema.nullable(),
    name: z.string().trim().min(1).max(120),
    severity: z.enum(ALERT_SEVERITIES),
    enabled: z.boolean(),
    forMinutes: minutes('forMinutes'),
    keepFiringMinutes: minutes('keepFiringMinutes'),
    params: z.record(z.string(), z.unknown()),
  })
  .partial()
export type AlertRuleUpdate = z.infer<typeof alertRuleUpdateSchema>

export const ALERT_CHANNEL_KINDS = ['webhook', 'slack', 'teams'] as const
export type AlertChannelKind = (typeof ALERT_CHANNEL_KINDS)[number]

export const ALERT_CHANNEL_KIND_INFO: Readonly<Record<AlertChannelKind, { label: string; description: string }>> = {
  webhook: { label: 'Webhook (JSON)', description: 'The documented linetrace.alert/v1 JSON body.' },
  slack: { label: 'Slack', description: 'Slack incoming-webhook body: text and blocks.' },
  teams: { label: 'Microsoft Teams', description: 'Teams Workflows webhook body: an Adaptive Card in an attachments envelope.' },
}

const webhookUrl = z
  .string()
  .trim()
  .max(2000)
  .refine(
    (v) => {
      try {
        const u = new URL(v)
        return (u.protocol === 'https:' || u.protocol === 'http:') && !u.username && !u.password
      } catch {
        return false
      }
    },
    { error: 'url must be an http(s) URL without user:password, e.g. https://hooks.slack.com/services/…' },
  )

export const alertChannelInputSchema = z.object({
  name: z.string().trim().min(1, 'a channel needs a name').max(80),
  kind: z.enum(ALERT_CHANNEL_KINDS, { error: `kind must be one of ${ALERT_CHANNEL_KINDS.join(', ')}` }),
  url: webhookUrl,
  severities: z.array(z.enum(ALERT_SEVERITIES)).min(1, 'route at least one severity').max(3).default(['warning', 'critical']),
  /** Empty: every plant. */
  plants: z.array(plantCodeSchema).max(200).default([]),
  enabled: z.boolean().default(true),
})
export type AlertChannelInput = z.infer<typeof alertChannelInputSchema>

export const alertChannelUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(80),
    url: webhookUrl,
    severities: z.array(z.enum(ALERT_SEVERITIES)).min(1).max(3),
    plants: z.array(plantCodeSchema).max(200),
    enabled: z.boolean(),
  })
  .partial()

export const ALERT_SILENCE_KINDS = ['silence', 'maintenance'] as const
export type AlertSilenceKind = (typeof ALERT_SILENCE_KINDS)[number]

export const ALERT_SILENCE_KIND_INFO: Readonly<Record<AlertSilenceKind, { label: string; description: string }>> = {
  silence: { label: 'Silence', description: 'Alerts still show in the inbox, but no notification is sent.' },
  maintenance: { label: 'Maintenance window', description: 'Planned downtime: matching rules are not evaluated, no alert is raised.' },
}

export const alertSilenceInputSchema = z
  .object({
    plant: plantCodeSchema,
    kind: z.enum(ALERT_SILENCE_KINDS).default('silence'),
    ruleId: z.uuid('ruleId must be a rule id').nullish(),
    flow: alertFlowSchema.nullish(),
    startsAt: z.coerce.date({ error: 'startsAt must be a time' }),
    endsAt: z.coerce.date({ error: 'endsAt must be a time' }),
    reason: z.string().trim().min(3, 'say why (at least 3 characters)').max(500),
  })
  .refine((s) => s.endsAt > s.startsAt, { error: 'endsAt must be after startsAt', path: ['endsAt'] })
  .refine((s) => s.endsAt.getTime() - s.startsAt.getTime() <= 90 * 24 * 3_600_000, { error: 'a silence lasts at most 90 days', path: ['endsAt'] })
export type AlertSilenceInput = z.infer<typeof alertSilenceInputSchema>

export const alertAcknowledgeSchema = z.object({
  id: z.uuid('id must be an alert id'),
  comment: z.string().trim().min(3, 'say what you are doing about it (at least 3 characters)').max(1000),
})

export const alertListFilterSchema = z.object({
  state: z.array(z.enum(ALERT_STATES)).max(3).optional(),
  severity: z.array(z.enum(ALERT_SEVERITIES)).max(3).optional(),
  kind: z.array(z.enum(ALERT_RULE_KINDS)).max(5).optional(),
  limit: z.number().int().min(1).max(500).default(100),
})
export type AlertListFilter = z.infer<typeof alertListFilterSchema>

// ── What an episode links to ───────────────────────────────────────────────────────────────────

/** A view that explains an alert; the console turns it into a URL with components/links.ts. */
export type AlertLink =
  | { page: 'exceptions'; label: string; plant: string; flow?: string; status?: string[] }
  | { page: 'traces'; label: string; plant: string; flow?: string; line?: string; status?: string[]; range?: string }
  | { page: 'plant'; label: string; plant: string }

// ── Words ──────────────────────────────────────────────────────────────────────────────────────

/** "goods-movement" for goods_movement; "ERP" for every flow. */
export function flowWords(flow: string): string {
  return flow === '*' ? 'ERP' : flow.replaceAll('_', '-')
}

/** Numbers with units for reason texts and notifications: `7 min 12 s`, `91.3 %`, `1,204`. */
export function formatAlertValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 })
  if (unit === '%') return `${value.toFixed(value >= 99 ? 2 : 1)} %`
  if (unit === 's') {
    if (value < 120) return `${count.format(Math.round(value))} s`
    const m = Math.floor(value / 60)
    const s = Math.round(value % 60)
    return m < 60 ? `${m} min${s ? ` ${s} s` : ''}` : `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`
  }
  if (unit === 'min') return value < 120 ? `${Math.round(value)} min` : `${Math.floor(value / 60)} h${Math.round(value % 60) ? ` ${Math.round(value % 60)} min` : ''}`
  if (unit === 'count') return count.format(value)
  return `${count.format(value)} ${unit}`
}

/**
 * What people see of a webhook URL after saving: scheme, host and the last 4 characters
 * (`https://hooks.slack.com/…/XyZ9`). The path and query of a webhook URL are its secret.
 */
export function maskWebhookUrl(url: string): string {
  try {
    const u = new URL(url)
    const tail = (u.pathname + u.search).replace(/\/+$/, '')
    return `${u.protocol}//${u.host}/…${tail.length > 4 ? `/${tail.slice(-4)}` : ''}`
  } catch {
    return '…'
  }
}
