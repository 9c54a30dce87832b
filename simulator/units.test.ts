import { describe, expect, it } from 'vitest'
import { DEMO_PLANTS } from '../server/domain/plants'
import { iso, sscc, uuidv7 } from './ids'
import { lastDayOf, localTime, periodMinus, shiftAt } from './local-time'
import { buildPlants } from './model'
import { parseDuration, parseSimulatorOptions, simulatorOptionsFromEnv } from './options'
import { Rng } from './prng'
import { plantTopics } from './topics'

describe('plant-local calendar', () => {
  const hamburg = DEMO_PLANTS[0]!

  it('finds the shift, night shifts running past midnight, and none on a Sunday at a five-day plant', () => {
    // 2026-11-24 is a Tuesday; Berlin is UTC+1 in November.
    expect(shiftAt(hamburg.shiftCalendar, localTime(Date.parse('2026-11-24T12:45:00Z'), hamburg.timeZone))).toEqual({ name: 'Early', minutesToEnd: 15 })
    expect(shiftAt(hamburg.shiftCalendar, localTime(Date.parse('2026-11-24T02:00:00Z'), hamburg.timeZone))).toEqual({ name: 'Night', minutesToEnd: 180 })
    // Saturday 05:00 local still belongs to Friday's night shift; Sunday noon has no shift.
    expect(shiftAt(hamburg.shiftCalendar, localTime(Date.parse('2026-11-28T04:00:00Z'), hamburg.timeZone))?.name).toBe('Night')
    expect(shiftAt(hamburg.shiftCalendar, localTime(Date.parse('2026-11-29T11:00:00Z'), hamburg.timeZone))).toBeUndefined()
  })

  it('dates postings in plant-local time and counts periods back across a year', () => {
    const pune = DEMO_PLANTS.find((p) => p.code === '3000')!
    expect(localTime(Date.parse('2026-11-30T20:00:00Z'), pune.timeZone).date).toBe('2026-12-01')
    expect(periodMinus('2026/02', 2)).toBe('2025/12')
    expect(lastDayOf('2026/02')).toBe('2026-02-28')
  })
})

describe('identifiers', () => {
  it('makes UUIDv7 event ids carrying the simulated time, reproducible from the seed', () => {
    const t = Date.parse('2026-11-24T08:00:00.123Z')
    const id = uuidv7(t, Rng.of('seed'))
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(t)
    expect(uuidv7(t, Rng.of('seed'))).toBe(id)
    expect(uuidv7(t, Rng.of('other'))).not.toBe(id)
  })

  it('formats RFC 3339 times like toISOString', () => {
    for (const t of [0, 1_795_355_774_728.25, Date.parse('2026-11-24T23:59:59.999Z')]) expect(iso(t)).toBe(new Date(Math.floor(t)).toISOString())
  })

  it('makes SSCCs with a valid GS1 check digit', () => {
    const code = sscc('4012345', 123)
    expect(code).toMatch(/^\d{18}$/)
    const digits = [...code].map(Number)
    const sum = digits.slice(0, 17).reduce((s, d, i) => s + d * (i % 2 === 0 ? 3 : 1), 0)
    expect((10 - (sum % 10)) % 10).toBe(digits[17])
  })
})

describe('plant model and topics', () => {
  it('uses the demo plants first and generates more beyond five, each with a DLQ convention', () => {
    const plants = buildPlants('1', 7, 3)
    expect(plants.map((p) => p.code)).toEqual(['1000', '1100', '2000', '2100', '3000', '4000', '4100'])
    expect(plants.every((p) => p.lines.length === 3 && p.lines.every((l) => l.products.length > 0))).toBe(true)
    expect(plants.map((p) => plantTopics('lt', p).dlq)).toEqual([
      'lt.hub.1000.in-dlt',
      'lt.connect.erp-sink-1100.dlq',
      'lt.hub.2000.dlq',
      'lt.hub.2100.in-dlt',
      'lt.connect.erp-sink-3000.dlq',
      'lt.hub.4000.in-dlt',
      'lt.connect.erp-sink-4100.dlq',
    ])
  })
})

describe('options', () => {
  it('reads durations with units, a bare number as seconds', () => {
    expect(parseDuration('7d')).toBe(7 * 86_400_000)
    expect(parseDuration('90m')).toBe(5_400_000)
    expect(parseDuration('12')).toBe(12_000)
    expect(() => parseDuration('soon')).toThrow(/not a duration/)
    expect(parseSimulatorOptions({ backfill: '2h', duration: 30 })).toMatchObject({ backfill: 7_200_000, duration: 30_000, rate: 3, scenario: 'normal' })
  })

  it('maps SIMULATOR_* variables and names the variable that is wrong', () => {
    expect(parseSimulatorOptions(simulatorOptionsFromEnv({ SIMULATOR_RATE: '4.5', SIMULATOR_SCENARIO: 'bad-day', SIMULATOR_BACKFILL: '1d', SIMULATOR_SHOWCASE: 'off' }))).toMatchObject({
      rate: 4.5,
      scenario: 'bad-day',
      backfill: 86_400_000,
      showcase: false,
    })
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_RATE: 'fast' })).toThrow(/SIMULATOR_RATE must be a number/)
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_SCENARIO: 'doomsday' })).toThrow(/SIMULATOR_SCENARIO/)
  })

  it('reports plant 2100 through OTLP in the embedded demo unless SIMULATOR_OTLP_PLANTS says otherwise', () => {
    const otlpPlants = (env: Record<string, string>) => parseSimulatorOptions(simulatorOptionsFromEnv(env)).otlpPlants
    expect(otlpPlants({})).toEqual(['2100'])
    expect(otlpPlants({ SIMULATOR_OTLP_PLANTS: 'none' })).toEqual([])
    expect(otlpPlants({ SIMULATOR_OTLP_PLANTS: ' 1000, 3000 ' })).toEqual(['1000', '3000'])
    // A run without plant 2100 has no default OTLP plant; the CLI and tests default to none.
    expect(otlpPlants({ SIMULATOR_PLANTS: '3' })).toEqual([])
    expect(parseSimulatorOptions({}).otlpPlants).toEqual([])
    expect(() => simulatorOptionsFromEnv({ SIMULATOR_OTLP_PLANTS: '2100,plant 9!' })).toThrow(/SIMULATOR_OTLP_PLANTS/)
  })
})
