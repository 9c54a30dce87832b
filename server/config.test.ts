import { describe, expect, it } from 'vitest'
import { ConfigError, DEFAULT_DLQ_TOPICS, loadConfig } from './config'

function problems(env: Record<string, string>, role: 'all' | 'web' | 'ingest' = 'all'): string[] {
  try {
    loadConfig(env, role)
  } catch (error) {
    if (error instanceof ConfigError) return error.problems
    throw error
  }
  return []
}

describe('loadConfig', () => {
  it('runs fully embedded with no configuration at all', () => {
    const config = loadConfig({})
    expect(config.modes).toEqual({ transport: 'local', clickhouse: 'embedded', postgres: 'embedded' })
    expect(config.env.PORT).toBe(3000)
    expect(config.env.DATA_DIR).toBe('.data')
    expect(config.simulator).toBe(true)
    expect(config.demo).toBe(true)
  })

  it('reads replay settings: per-group redrive topics and the default rate', () => {
    expect(loadConfig({}).replay).toEqual({ redriveTopics: {}, defaultRate: 50 })
    const config = loadConfig({ REPLAY_REDRIVE_TOPICS: 'erp-sink=lt.redrive.erp, wms-sink=lt.redrive.wms', REPLAY_DEFAULT_RATE: '20' })
    expect(config.replay).toEqual({ redriveTopics: { 'erp-sink': 'lt.redrive.erp', 'wms-sink': 'lt.redrive.wms' }, defaultRate: 20 })
    expect(problems({ REPLAY_REDRIVE_TOPICS: 'erp-sink' })[0]).toMatch(/^REPLAY_REDRIVE_TOPICS must be a comma-separated list of consumer-group=topic/)
    expect(problems({ REPLAY_DEFAULT_RATE: '2001' })).toEqual(['REPLAY_DEFAULT_RATE must be at most 2000'])
  })

  it('reads the DLQ topics: a list or a /regex/; the default matches every DLQ naming the simulator and common frameworks use', () => {
    expect(loadConfig({}).env.DLQ_TOPICS).toBeUndefined()
    for (const t of ['lt.hub.1000.in-dlt', 'lt.connect.erp-sink-2000.dlq', 'lt.hub.3000.dlq', 'orders.DLT', 'orders-dlq', 'lt.telemetry.dlq'])
      expect(DEFAULT_DLQ_TOPICS.test(t), t).toBe(true)
    for (const t of ['lt.hub.1000.in', 'lt.telemetry', 'dlq.orders', 'orders.dlt.archive']) expect(DEFAULT_DLQ_TOPICS.test(t), t).toBe(false)
    expect(loadConfig({ DLQ_TOPICS: 'a.dlq, b-dlt' }).env.DLQ_TOPICS).toEqual(['a.dlq', 'b-dlt'])
    const pattern = loadConfig({ DLQ_TOPICS: '/^plant-\\d+\\.errors$/' }).env.DLQ_TOPICS
    expect(pattern).toBeInstanceOf(RegExp)
    expect((pattern as RegExp).test('plant-1000.errors')).toBe(true)
    expect(problems({ DLQ_TOPICS: '/(/' })[0]).toMatch(/^DLQ_TOPICS is not a valid regular expression/)
    expect(problems({ DLQ_TOPICS: 'bad topic!' })[0]).toMatch(/^DLQ_TOPICS must be a comma-separated list of topic names or a \/regex\//)
  })

  it('selects each store independently', () => {
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094' })
    expect(config.modes).toEqual({ transport: 'kafka', clickhouse: 'embedded', postgres: 'embedded' })
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9094'])
    expect(config.simulator).toBe(false)
  })

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ KAFKA_BROKERS: 'localhost' }, 'KAFKA_BROKERS'],
    [{ CLICKHOUSE_URL: 'ftp://x' }, 'CLICKHOUSE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ SIMULATOR: 'maybe' }, 'SIMULATOR'],
    [{ KAFKA_SSL: 'sometimes' }, 'KAFKA_SSL'],
    [{ KAFKA_SASL_MECHANISM: 'kerberos' }, 'KAFKA_SASL_MECHANISM'],
    [{ CLICKHOUSE_DATABASE: 'x; DROP' }, 'CLICKHOUSE_DATABASE'],
    [{ AUTH_SECRET: 'short' }, 'AUTH_SECRET'],
    [{ ADMIN_API_TOKEN: 'short' }, 'ADMIN_API_TOKEN'],
    [{ HOST: 'two words' }, 'HOST'],
    [{ TRUSTED_PROXIES: '10.0.0.0/33' }, 'TRUSTED_PROXIES'],
  ])('names the variable of a bad value: %o', (env, name) => {
    const found = problems(env)
    expect(found.length).toBeGreaterThan(0)
    expect(found.join('\n')).toContain(name)
  })

  it('requires AUTH_SECRET with a Postgres server', () => {
    expect(problems({ DATABASE_URL: 'postgres://db/lt' }).join()).toContain('AUTH_SECRET')
    expect(problems({ DATABASE_URL: 'postgres://db/lt', AUTH_SECRET: 'x'.repeat(32) })).toEqual([])
  })

  it('refuses embedded stores for split roles, naming the missing variables', () => {
    const web = problems({}, 'web').join('\n')
    expect(web).toContain('CLICKHOUSE_URL')
    expect(web).toContain('DATABASE_URL')
    expect(problems({}, 'ingest').join('\n')).toContain('KAFKA_BROKERS')
    expect(problems({ CLICKHOUSE_URL: 'http://ch:8123', DATABASE_URL: 'postgres://db/lt', AUTH_SECRET: 'x'.repeat(32) }, 'web')).toEqual([])
  })

  it('requires the SASL settings together', () => {
    expect(problems({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain' }).join()).toContain('KAFKA_SASL_USERNAME')
    const config = loadConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })
    expect(config.kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' })
  })

  it('treats empty values as unset', () => {
    expect(loadConfig({ KAFKA_BROKERS: '', PORT: '' }).modes.transport).toBe('local')
  })

  it('has an admin token only when ADMIN_API_TOKEN sets one (the demo makes its own per install: server/embedded-secrets.ts)', () => {
    expect(loadConfig({}).adminApiToken).toBeUndefined()
    expect(loadConfig({ DATABASE_URL: 'postgres://db/lt', AUTH_SECRET: 'x'.repeat(32) }).adminApiToken).toBeUndefined()
    expect(loadConfig({ ADMIN_API_TOKEN: 't'.repeat(30) }).adminApiToken).toBe('t'.repeat(30))
  })

  it('trusts no proxy unless TRUSTED_PROXIES lists addresses or CIDR ranges, IPv4 and IPv6', () => {
    expect(loadConfig({}).env.TRUSTED_PROXIES).toEqual([])
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.5, 10.1.0.0/16,fd00::/8, ::1' }).env.TRUSTED_PROXIES).toEqual(['10.0.0.5', '10.1.0.0/16', 'fd00::/8', '::1'])
    expect(problems({ TRUSTED_PROXIES: '10.0.0.5,proxy.local,10.0.0.0/33' })).toEqual([
      'TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges, e.g. 10.0.0.5,10.1.0.0/16,fd00::/8 (not valid: proxy.local, 10.0.0.0/33)',
    ])
  })

  it('lets alert channels point anywhere unless ALERT_WEBHOOK_ALLOW lists host names, addresses or ranges', () => {
    expect(loadConfig({}).alertWebhookAllow).toEqual([])
    expect(loadConfig({ ALERT_WEBHOOK_ALLOW: 'hooks.slack.com, *.webhook.office.com,10.20.0.0/16,fd00::1' }).alertWebhookAllow).toEqual([
      'hooks.slack.com',
      '*.webhook.office.com',
      '10.20.0.0/16',
      'fd00::1',
    ])
    expect(problems({ ALERT_WEBHOOK_ALLOW: 'hooks.slack.com,https://x.example/,10.0.0.0/33,a*.example.com' })).toEqual([
      'ALERT_WEBHOOK_ALLOW must be a comma-separated list of host names (*.example.com for subdomains), IP addresses or CIDR ranges, e.g. hooks.slack.com,*.webhook.office.com,10.20.0.0/16 (not valid: https://x.example/, 10.0.0.0/33, a*.example.com)',
    ])
  })

  it('listens on loopback unless HOST opens it up', () => {
    expect(loadConfig({}).env.HOST).toBe('127.0.0.1')
    expect(loadConfig({ HOST: '0.0.0.0' }).env.HOST).toBe('0.0.0.0')
    expect(loadConfig({ HOST: '::' }).env.HOST).toBe('::')
    expect(loadConfig({ HOST: 'linetrace.plant.example' }).env.HOST).toBe('linetrace.plant.example')
    expect(problems({ HOST: 'http://0.0.0.0' })[0]).toMatch(/^HOST must be an address or host name to listen on/)
  })

  it('serves OTLP on 4318 with a 4 MiB body cap unless told otherwise; 0 or off turns the port off', () => {
    const { env } = loadConfig({})
    expect([env.OTLP_HTTP_PORT, env.OTLP_TOPIC, env.OTLP_MAX_BODY_BYTES]).toEqual([4318, 'lt.otlp', 4 * 1024 * 1024])
    expect(loadConfig({ OTLP_HTTP_PORT: 'off' }).env.OTLP_HTTP_PORT).toBe(0)
    expect(loadConfig({ OTLP_HTTP_PORT: '0' }).env.OTLP_HTTP_PORT).toBe(0)
    expect(loadConfig({ OTLP_HTTP_PORT: '14318' }).env.OTLP_HTTP_PORT).toBe(14318)
    expect(problems({ OTLP_HTTP_PORT: 'on' })[0]).toMatch(/^OTLP_HTTP_PORT /)
    expect(loadConfig({ OTLP_DEFAULT_PLANT: '1000' }).env.OTLP_DEFAULT_PLANT).toBe('1000')
    expect(problems({ OTLP_DEFAULT_PLANT: 'plant 1000' })[0]).toMatch(/^OTLP_DEFAULT_PLANT a plant code is/)
  })
})
