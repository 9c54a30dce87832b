import { isIP } from 'node:net'
import { z } from 'zod'
import { plantCodeSchema } from './domain/plants'
import { REPLAY_RATE } from './domain/replays'
import type { TapDefinition } from './domain/taps'
import { isTopicPattern, TOPIC_NAME, topicPattern } from './domain/topics'
import { invalidRanges } from './http/cidr'
import { invalidWebhookAllowEntries } from './http/webhook-allow'
import { loadTapsFile, TapsFileError } from './taps-file'

/**
 * Every setting Linetrace reads from the environment, validated once at start-up.
 * A bad value stops the process with a message naming the variable (see `loadConfigOrExit`).
 */

const boolish = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be one of on/off, true/false, yes/no, 1/0',
  })
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v))

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(1, 'must be between 1 and 65535')
  .max(65535, 'must be between 1 and 65535')

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol)
      } catch {
        return false
      }
    },
    { error: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  )

const brokerList = z
  .string()
  .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
  .refine((list) => list.length > 0, { error: 'must list at least one host:port' })
  .refine((list) => list.every((b) => /^[^\s:]+:\d{1,5}$/.test(b)), {
    error: 'must be a comma-separated list of host:port, e.g. 127.0.0.1:9092',
  })

/** Addresses and CIDR ranges of the reverse proxies in front of the console (server/http/cidr.ts). */
const addressRanges = z
  .string()
  .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
  .superRefine((ranges, ctx) => {
    const invalid = invalidRanges(ranges)
    if (invalid.length)
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16,fd00::/8 (not valid: ${invalid.join(', ')})`,
      })
  })

/** Host names (`hooks.slack.com`, `*.webhook.office.com`), addresses and CIDR ranges (server/http/webhook-allow.ts). */
const webhookAllow = z
  .string()
  .transform((v) => v.split(',').map((r) => r.trim()).filter(Boolean))
  .superRefine((entries, ctx) => {
    const invalid = invalidWebhookAllowEntries(entries)
    if (invalid.length)
      ctx.addIssue({
        code: 'custom',
        message: `must be a comma-separated list of host names (*.example.com for subdomains), IP addresses or CIDR ranges, e.g. hooks.slack.com,*.webhook.office.com,10.20.0.0/16 (not valid: ${invalid.join(', ')})`,
      })
  })

const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name')

/** `group=topic,group=topic`: where replays of records a consumer group failed on are produced. */
const redriveTopics = z
  .string()
  .transform((v) => v.split(',').map((pair) => pair.trim()).filter(Boolean))
  .refine((pairs) => pairs.every((p) => /^[^=\s]+=[A-Za-z0-9._-]{1,249}$/.test(p)), {
    error: 'must be a comma-separated list of consumer-group=topic, e.g. erp-sink=lt.hub.1000.redrive.erp-sink',
  })
  .transform((pairs) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)])) as Record<string, string>)

/**
 * The DLQ topics the indexer reads: a comma-separated list of names, or a `/regex/`. Default: every
 * topic whose name ends in `.dlq`, `-dlq`, `-dlt` or `.DLT` (Spring's `<source>-dlt`, Connect's and
 * the hub's `.dlq`), including ones created later.
 */
export const DEFAULT_DLQ_TOPICS = /(\.dlq|-dlq|-dlt|\.DLT)$/
const dlqTopics = z
  .string()
  .trim()
  .transform((v, ctx): string[] | RegExp => {
    if (isTopicPattern(v)) {
      try {
        return topicPattern(v)
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message })
        return z.NEVER
      }
    }
    const names = v.split(',').map((t) => t.trim()).filter(Boolean)
    if (!names.length || !names.every((t) => TOPIC_NAME.test(t))) {
      ctx.addIssue({ code: 'custom', message: 'must be a comma-separated list of topic names or a /regex/, e.g. /\\.dlq$/' })
      return z.NEVER
    }
    return names
  })

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PORT: port.default(3000),
  /** The interface the console listens on: loopback unless the operator opens it up. */
  HOST: z
    .string()
    .trim()
    .refine((v) => isIP(v) !== 0 || /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(v), {
      error: 'must be an address or host name to listen on, e.g. 127.0.0.1, 0.0.0.0 (every IPv4 interface) or ::',
    })
    .default('127.0.0.1'),
  /**
   * The reverse proxies whose X-Forwarded-For is believed (server/auth/client-address.ts). Empty:
   * the address is the connection's own, whatever a client writes in its headers.
   */
  TRUSTED_PROXIES: addressRanges.default([]),
  DATA_DIR: z.string().min(1, 'must not be empty').default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  KAFKA_BROKERS: brokerList.optional(),
  KAFKA_CLIENT_ID: z.string().min(1).default('linetrace'),
  KAFKA_GROUP_ID: z.string().min(1).default('linetrace-ingest'),
  KAFKA_SSL: boolish.default(false),
  KAFKA_SASL_MECHANISM: z
    .enum(['plain', 'scram-sha-256', 'scram-sha-512'], {
      error: 'must be plain, scram-sha-256 or scram-sha-512',
    })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),

  TELEMETRY_TOPIC: topicName.default('lt.telemetry'),
  TELEMETRY_DLQ_TOPIC: topicName.default('lt.telemetry.dlq'),
  /** Partitions of the telemetry topic when Linetrace creates it: the most ingest workers that can share it. */
  TELEMETRY_PARTITIONS: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(1024).default(6),
  INGEST_PORT: port.default(9464),
  /** A batch is flushed at this many records or after INGEST_FLUSH_MS, whichever comes first. */
  INGEST_BATCH_MAX_ROWS: z.coerce.number({ error: 'must be a number' }).int().min(1).max(1_000_000).default(50_000),
  // 500 ms: a row of a caught-up partition waits for its batch and then for the shared insert
  // (coalescer.ts), up to an interval each; at 1 s that put the ingest bench's p95 at 5k events/s
  // above the 2 s of issue #22. Quiet rows keep their 3 s (the coalescer's QUIET_FACTOR).
  INGEST_FLUSH_MS: z.coerce.number({ error: 'must be a number' }).int().min(10).max(60_000).default(500),
  /**
   * Telemetry deliveries of different partitions handled at once: every partition unless set. A
   * caught-up partition's delivery lingers until its batch is written (README "Batches"); with
   * fewer slots than partitions the others queued behind the lingering ones, so rows waited
   * intervals in turn (ingest bench freshness). On Kafka each delivery holds one fetch decoded.
   */
  INGEST_PARTITIONS_IN_FLIGHT: z.coerce.number({ error: 'must be a number' }).int().min(1).max(64).default(64),

  /** The OTLP/HTTP trace receiver of the ingest worker (POST /v1/traces); 0 or `off` disables it. */
  OTLP_HTTP_PORT: z
    .union([z.literal('off').transform(() => 0), z.coerce.number({ error: 'must be a port number or off' }).int().min(0).max(65535)])
    .default(4318),
  /** Where accepted OTLP requests wait for the worker (created when missing). */
  OTLP_TOPIC: topicName.default('lt.otlp'),
  /** Largest OTLP request body, and what it may inflate to: larger ones get 413. */
  OTLP_MAX_BODY_BYTES: z.coerce.number({ error: 'must be a number' }).int().min(1024).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  /** OTLP requests being written to the bus at once per receiver; beyond it 429 with Retry-After. */
  OTLP_MAX_IN_FLIGHT: z.coerce.number({ error: 'must be a number' }).int().min(1).max(10_000).default(64),
  /**
   * Plant of spans that name none (attribute or baggage `linetrace.plant`) when the admin-edited mapping
   * (/admin → OpenTelemetry) sets no default plant; unset there and here: such spans are dead-lettered.
   */
  OTLP_DEFAULT_PLANT: plantCodeSchema.optional(),
  /** Topic taps declared as code (server/taps-file.ts): a YAML or JSON file, checked at start-up. */
  TAPS_FILE: z.string().trim().min(1).optional(),

  CLICKHOUSE_URL: url(['http:', 'https:']).optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier (letters, digits, underscore)')
    .default('linetrace'),

  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),

  /** Per-consumer-group redrive topics: a replay goes there instead of the shared source topic. */
  REPLAY_REDRIVE_TOPICS: redriveTopics.optional(),
  /** Which topics the DLQ indexer reads (see dlqTopics); default DEFAULT_DLQ_TOPICS. */
  DLQ_TOPICS: dlqTopics.optional(),
  /**
   * Kafka 4.2+ share-group dead-letter topics (KIP-1191): the broker only writes to topics named with
   * its `errors.deadletterqueue.topic.name.prefix`, default `dlq.`. The indexer reads topics with
   * this prefix besides DLQ_TOPICS; empty turns it off.
   */
  DLQ_SHARE_GROUP_PREFIX: z.string().trim().max(200).regex(/^[A-Za-z0-9._-]*$/, 'must be a topic-name prefix (letters, digits, . _ -)').default('dlq.'),
  /** Records per second of a replay job that does not choose its own rate. */
  REPLAY_DEFAULT_RATE: z.coerce.number({ error: 'must be a number' }).int().min(REPLAY_RATE.min, `must be at least ${REPLAY_RATE.min}`).max(REPLAY_RATE.max, `must be at most ${REPLAY_RATE.max}`).default(REPLAY_RATE.default),

  SIMULATOR: boolish.optional(),
  AUTH_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. `openssl rand -hex 32`)').optional(),
  ADMIN_API_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),

  /** How often the worker evaluates alert rules (ms); the rollups they read move per minute. */
  ALERT_EVAL_INTERVAL_MS: z.coerce.number({ error: 'must be a number' }).int().min(1_000, 'must be at least 1000 (1 s)').max(3_600_000).default(60_000),
  /** The console's address as people reach it: links in alert notifications start with it. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /** Where alert channels may point; unset: anywhere (server/http/webhook-allow.ts). */
  ALERT_WEBHOOK_ALLOW: webhookAllow.default([]),
  /** Largest request body of the console's API (REST, tRPC, sign-in): larger ones get 413. Replay edits have their own cap. */
  MAX_BODY_BYTES: z.coerce.number({ error: 'must be a number' }).int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
})

export type Env = z.infer<typeof envSchema>

/** Which process is starting: everything in one (`npm start`), the console alone, or the worker alone. */
export type ProcessRole = 'all' | 'web' | 'ingest'

export interface Modes {
  transport: 'local' | 'kafka'
  clickhouse: 'embedded' | 'server'
  postgres: 'embedded' | 'server'
}

export interface Config {
  env: Env
  role: ProcessRole
  modes: Modes
  /** True when Postgres is embedded: only then are demo users with known passwords seeded. */
  demo: boolean
  simulator: boolean
  /**
   * ADMIN_API_TOKEN. In demo mode without one, the runtime fills in the token generated for this
   * install (kept under DATA_DIR, printed at start), so read it from `runtime.config`.
   */
  adminApiToken: string | undefined
  /** PUBLIC_URL without a trailing slash, default http://localhost:PORT. */
  publicUrl: string
  /** ALERT_WEBHOOK_ALLOW: hosts and ranges alert channels may point to; empty: any. */
  alertWebhookAllow: readonly string[]
  /** The taps of TAPS_FILE (none without one), already checked; the database's taps are beside them. */
  taps: readonly TapDefinition[]
  replay: {
    /** consumer group → redrive topic */
    redriveTopics: Readonly<Record<string, string>>
    defaultRate: number
  }
  kafka: {
    brokers: string[]
    clientId: string
    groupId: string
    ssl: boolean
    sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string }
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
  }
}

function problemsOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = issue.path.join('.') || '(environment)'
    return `${name} ${issue.message}`
  })
}

export function loadConfig(source: Record<string, string | undefined> = process.env, role: ProcessRole = 'all'): Config {
  // Empty strings count as unset so `FOO= npm start` behaves like no FOO at all.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) throw new ConfigError(problemsOf(parsed.error))
  const env = parsed.data

  const modes: Modes = {
    transport: env.KAFKA_BROKERS ? 'kafka' : 'local',
    clickhouse: env.CLICKHOUSE_URL ? 'server' : 'embedded',
    postgres: env.DATABASE_URL ? 'server' : 'embedded',
  }

  const problems: string[] = []
  if (role !== 'all') {
    const command = role === 'web' ? 'npm run web' : 'npm run ingest'
    if (modes.clickhouse === 'embedded')
      problems.push(
        `CLICKHOUSE_URL is required by \`${command}\`: split roles run in separate processes and cannot share the embedded ClickHouse (chDB binds one process to its data directory). Set CLICKHOUSE_URL or use \`npm start\`.`,
      )
    if (modes.postgres === 'embedded')
      problems.push(
        `DATABASE_URL is required by \`${command}\`: split roles cannot share the embedded PGlite database. Set DATABASE_URL or use \`npm start\`.`,
      )
  }
  if (role === 'ingest' && modes.transport === 'local')
    problems.push('KAFKA_BROKERS is required by `npm run ingest`: the in-process bus only exists inside `npm start`.')
  if (modes.postgres === 'server' && !env.AUTH_SECRET)
    problems.push('AUTH_SECRET is required when DATABASE_URL is set (it signs session cookies shared by every console instance).')
  const saslFields = [env.KAFKA_SASL_MECHANISM, env.KAFKA_SASL_USERNAME, env.KAFKA_SASL_PASSWORD]
  if (saslFields.some(Boolean) && !saslFields.every(Boolean))
    problems.push('KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD must be set together.')
  let taps: TapDefinition[] = []
  try {
    if (env.TAPS_FILE) taps = loadTapsFile(env.TAPS_FILE)
  } catch (error) {
    if (!(error instanceof TapsFileError)) throw error
    problems.push(...error.problems.map((problem) => `TAPS_FILE (${error.path}): ${problem}`))
  }
  if (problems.length) throw new ConfigError(problems)

  const allEmbedded = Object.values(modes).every((m) => m === 'embedded' || m === 'local')
  return {
    env,
    role,
    modes,
    demo: modes.postgres === 'embedded',
    adminApiToken: env.ADMIN_API_TOKEN,
    simulator: env.SIMULATOR ?? allEmbedded,
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    alertWebhookAllow: env.ALERT_WEBHOOK_ALLOW,
    taps,
    replay: { redriveTopics: env.REPLAY_REDRIVE_TOPICS ?? {}, defaultRate: env.REPLAY_DEFAULT_RATE },
    kafka: {
      brokers: env.KAFKA_BROKERS ?? [],
      clientId: env.KAFKA_CLIENT_ID,
      groupId: env.KAFKA_GROUP_ID,
      ssl: env.KAFKA_SSL,
      sasl:
        env.KAFKA_SASL_MECHANISM && env.KAFKA_SASL_USERNAME && env.KAFKA_SASL_PASSWORD
          ? { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME, password: env.KAFKA_SASL_PASSWORD }
          : undefined,
    },
  }
}

/** For process entry points: print what is wrong and exit 1 instead of starting half-configured. */
export function loadConfigOrExit(role: ProcessRole = 'all'): Config {
  try {
    return loadConfig(process.env, role)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`linetrace: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}
