import { z } from 'zod'
import { plantCodeSchema } from '../server/domain/plants'
import { SCENARIOS } from './scenario'

/**
 * Simulator options: one schema for the CLI flags, the embedded start (`startSimulator`) and the
 * SIMULATOR_* environment variables, with the defaults of README.md.
 */

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }

/** `7d`, `12h`, `90m`, `30s`, `1500ms`, or a bare number of seconds → milliseconds. */
export function parseDuration(value: string | number): number {
  if (typeof value === 'number') return value * 1_000
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$/i.exec(value)
  if (!m) throw new Error(`"${value}" is not a duration (examples: 7d, 12h, 90m, 30s)`)
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 's').toLowerCase()]!)
}

const duration = z.union([z.number().min(0), z.string()]).transform((v, ctx) => {
  try {
    return parseDuration(v)
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})

export const simulatorOptionsSchema = z.object({
  plants: z.number().int().min(1).max(500).default(5),
  lines: z.number().int().min(1).max(100).default(8),
  /** Business transactions per second across all plants, off-peak on a working day. */
  rate: z.number().min(0).max(100_000).default(3),
  scenario: z.enum(SCENARIOS).default('normal'),
  seed: z.union([z.string().min(1), z.number()]).transform(String).default('1'),
  /** Simulated start (default: now). With `clock: 'virtual'` this is where the run begins. */
  start: z.union([z.date(), z.iso.datetime({ offset: true }), z.number()]).transform((v) => new Date(v).getTime()).optional(),
  /** Live (or virtual) run length after any backfill; absent = until stop(). */
  duration: duration.optional(),
  /** realtime: simulated time follows the wall clock; virtual: as fast as maxEventsPerSecond allows. */
  clock: z.enum(['realtime', 'virtual']).default('realtime'),
  /** History written in accelerated time before the live phase, e.g. '7d'. */
  backfill: duration.default(0),
  /**
   * The newest part of the backfill, written first; the older part follows, written while the run
   * is live (history.ts). So the recent hours a console opens on are there within a minute or two,
   * not last. 0 (default): the backfill is written in order, oldest first.
   */
  backfillRecent: duration.default(0),
  /** Transactions per second during the backfill (default: rate). */
  backfillRate: z.number().min(0).max(100_000).optional(),
  /** Produced records per second while running faster than real time (backfill, virtual clock): ingest must keep up. */
  maxEventsPerSecond: z.number().positive().default(20_000),
  showcase: z.boolean().default(true),
  operators: z.boolean().default(true),
  /** Simulated operators replay a dead letter no sooner than this after its cause was fixed. */
  operatorDelayMinutes: z.number().min(0).default(45),
  /**
   * Activity on days without shifts (weekend crews), as a share of a working day: lines run with
   * this probability per day, and the transaction rate is scaled by it. 1 = the same rate every day.
   */
  weekendFactor: z.number().min(0).max(1).default(0.5),
  /** Confirmations in the last 30 minutes of a shift, as a multiple of the usual rate (EVENT-MODEL.md: 3). */
  peakFactor: z.number().min(1).max(20).default(3),
  /** Month start: minutes after the start until the new period opens (company codes open 5 min apart). */
  periodOpensAfterMinutes: z.number().min(0).default(15),
  topicPrefix: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be usable in a Kafka topic name').default('lt'),
  /** Default: TELEMETRY_TOPIC. */
  telemetryTopic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/).optional(),
  /** Partitions of the source and dead-letter topics the simulator creates. */
  partitions: z.number().int().min(1).max(256).default(3),
  /** Live mode: how often simulated time is advanced. */
  tickMs: z.number().int().min(5).max(1_000).default(50),
  /** Faster-than-real-time mode: simulated time per step (each step waits until the hub received what was sent). */
  stepMs: z.number().int().min(100).optional(),
  /**
   * Plants whose hub and ERP adapter report through OpenTelemetry (spans to OTLP_TOPIC, otlp.ts)
   * instead of hop events; each must be one of the run's plants. Default none; the embedded demo
   * defaults to EMBEDDED_OTLP_PLANT.
   */
  otlpPlants: z.array(plantCodeSchema).max(500).default([]),
  /**
   * Plants that report no hop events: their MES, hub and ERP publish business messages on four
   * topics per plant (tapped.ts), mapped by topic taps. Each must be one of the run's plants and not
   * an OTLP plant. Default none; the embedded demo defaults to EMBEDDED_TAPPED_PLANT.
   */
  tappedPlants: z.array(plantCodeSchema).max(500).default([]),
})

export type SimulatorOptionsInput = z.input<typeof simulatorOptionsSchema>
export type SimulatorOptions = z.output<typeof simulatorOptionsSchema>

export function parseSimulatorOptions(input: SimulatorOptionsInput = {}): SimulatorOptions {
  const result = simulatorOptionsSchema.safeParse(input)
  if (!result.success)
    throw new Error(`Invalid simulator options:\n${result.error.issues.map((i) => `  - ${i.path.join('.') || '(options)'}: ${i.message}`).join('\n')}`)
  return result.data
}

const ENV: [variable: string, option: keyof SimulatorOptionsInput, kind: 'number' | 'string' | 'boolean' | 'plants'][] = [
  ['SIMULATOR_RATE', 'rate', 'number'],
  ['SIMULATOR_SCENARIO', 'scenario', 'string'],
  ['SIMULATOR_SEED', 'seed', 'string'],
  ['SIMULATOR_PLANTS', 'plants', 'number'],
  ['SIMULATOR_LINES', 'lines', 'number'],
  ['SIMULATOR_BACKFILL', 'backfill', 'string'],
  ['SIMULATOR_BACKFILL_RATE', 'backfillRate', 'number'],
  ['SIMULATOR_BACKFILL_RECENT', 'backfillRecent', 'string'],
  ['SIMULATOR_SHOWCASE', 'showcase', 'boolean'],
  ['SIMULATOR_OPERATORS', 'operators', 'boolean'],
  ['SIMULATOR_PERIOD_OPENS_AFTER', 'periodOpensAfterMinutes', 'number'],
  ['SIMULATOR_OTLP_PLANTS', 'otlpPlants', 'plants'],
  ['SIMULATOR_TAPPED_PLANTS', 'tappedPlants', 'plants'],
]

/** Kafka 4's default log.message.timestamp.after.max.ms is one hour; stay clear of it. */
const KAFKA_FUTURE_LIMIT_MS = 55 * 60_000

/**
 * Where a run's simulated time begins (`origin`: its backfill's start, or its recent part's with
 * backfillRecent) and where its live (or virtual) phase does, at wall clock `wallNow`.
 */
export function runStart(options: SimulatorOptions, transport: 'local' | 'kafka', wallNow: number): { liveStart: number; origin: number } {
  // A virtual run without a start writes the period that ends now: history, like a backfill.
  const now = options.start ?? (options.clock === 'virtual' && options.duration !== undefined ? wallNow - options.duration : wallNow)
  if (transport === 'kafka' && options.clock === 'virtual' && now + (options.duration ?? Infinity) > wallNow + KAFKA_FUTURE_LIMIT_MS)
    throw new Error(
      'A virtual run on Kafka must end less than an hour from now: brokers reject record timestamps further in the future ' +
        '(log.message.timestamp.after.max.ms, 1 h by default). Give a --duration and a --start in the past, or leave --start out.',
    )
  const liveStart = options.clock === 'virtual' ? now : options.backfill > 0 ? wallNow : now
  return { liveStart, origin: liveStart - (options.backfillRecent > 0 ? Math.min(options.backfill, options.backfillRecent) : options.backfill) }
}

/** `2100`, `2100,3000` or `none` → plant codes (CLI flag and environment variable alike). */
export function parsePlantList(value: string): string[] {
  const v = value.trim()
  return v.toLowerCase() === 'none' ? [] : v.split(',').map((code) => code.trim()).filter(Boolean)
}

/**
 * The embedded demo's first start writes a week of history (later starts remember it, state.ts),
 * at a sixth of the live rate unless SIMULATOR_BACKFILL_RATE says otherwise: ≈1.7 M hop events at
 * the default rate instead of ≈10 M, so it is written in minutes while the ingest in the same
 * process keeps up and the console serves. Rates and percentages do not depend on the volume.
 */
const EMBEDDED_BACKFILL = '7d'
const EMBEDDED_BACKFILL_SHARE = 1 / 6
/**
 * Written first (SIMULATOR_BACKFILL_RECENT): the default 24-hour views and their previous-period
 * comparison read the last 48 hours, so those are there within two minutes of the first start; the
 * older five days follow while the demo is live.
 */
const EMBEDDED_BACKFILL_RECENT = '2d'
/**
 * The embedded demo's plant that reports through OpenTelemetry (SIMULATOR_OTLP_PLANTS, `none` to
 * turn it off): Monterrey, the fourth demo plant — a Spring Kafka plant whose hub posts to company
 * code 2000, so OTel-sourced traces sit beside the native ones of Detroit on the same ERP.
 */
export const EMBEDDED_OTLP_PLANT = '2100'
/**
 * The embedded demo's tapped plant (SIMULATOR_TAPPED_PLANTS, `none` to turn it off): Pune, the fifth
 * demo plant, seen only through topic taps on its business topics (the default tap set, TAPS_FILE).
 */
export const EMBEDDED_TAPPED_PLANT = '3000'

/**
 * Options from SIMULATOR_* variables (unset or empty = default; SIMULATOR_BACKFILL: a week, `0` to
 * skip; SIMULATOR_BACKFILL_RECENT: its last two days first, `0` for oldest first). Errors name the
 * variable, so a bad value stops the start with a message a person can act on.
 */
export function simulatorOptionsFromEnv(env: Record<string, string | undefined> = process.env): SimulatorOptionsInput {
  const input: Record<string, unknown> = { backfill: EMBEDDED_BACKFILL, backfillRecent: EMBEDDED_BACKFILL_RECENT }
  const problems: string[] = []
  for (const [variable, option, kind] of ENV) {
    const raw = env[variable]?.trim()
    if (!raw) continue
    if (kind === 'number') {
      const n = Number(raw)
      if (Number.isFinite(n)) input[option] = n
      else problems.push(`${variable} must be a number, got "${raw}"`)
    } else if (kind === 'boolean') {
      const v = raw.toLowerCase()
      if (['1', 'true', 'yes', 'on'].includes(v)) input[option] = true
      else if (['0', 'false', 'no', 'off'].includes(v)) input[option] = false
      else problems.push(`${variable} must be on/off, true/false, yes/no or 1/0, got "${raw}"`)
    } else if (kind === 'plants') input[option] = parsePlantList(raw)
    else input[option] = raw
  }
  const result = simulatorOptionsSchema.safeParse(input)
  if (!result.success) {
    for (const issue of result.error.issues) {
      const variable = ENV.find(([, option]) => option === issue.path[0])?.[0] ?? String(issue.path[0])
      problems.push(`${variable} ${issue.message}`)
    }
  }
  // The default OTLP plant only when the run has it (SIMULATOR_PLANTS of 4 or more).
  if (input.otlpPlants === undefined && result.data && result.data.plants >= 4) input.otlpPlants = [EMBEDDED_OTLP_PLANT]
  // The default tapped plant likewise (SIMULATOR_PLANTS of 5 or more), unless it was made the OTLP plant.
  if (input.tappedPlants === undefined && result.data && result.data.plants >= 5 && !((input.otlpPlants as string[] | undefined) ?? []).includes(EMBEDDED_TAPPED_PLANT))
    input.tappedPlants = [EMBEDDED_TAPPED_PLANT]
  const both = ((input.tappedPlants as string[] | undefined) ?? []).filter((code) => ((input.otlpPlants as string[] | undefined) ?? []).includes(code))
  if (both.length) problems.push(`SIMULATOR_TAPPED_PLANTS and SIMULATOR_OTLP_PLANTS both name ${both.join(', ')}: a plant reports one way`)
  if (problems.length) throw new Error(`Invalid simulator settings:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  // The input, checked, not the parsed options: startSimulator parses it (once — parsing a parsed
  // duration again would read its milliseconds as seconds).
  return { ...input, backfillRate: result.data!.backfillRate ?? result.data!.rate * EMBEDDED_BACKFILL_SHARE } as SimulatorOptionsInput
}
