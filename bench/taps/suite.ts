import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { compileTap } from '../../ingest/taps/map'
import { decodeRecord } from '../../ingest/telemetry/decode'
import type { BusRecord } from '../../server/bus/port'
import type { TapDefinition } from '../../server/domain/taps'
import { benchRecord } from '../ingest/events'
import type { BenchResult } from '../suites'
import { benchTap, confirmationBusRecord } from './records'

/**
 * `npm run bench -- taps [--records=100000] [--rounds=2]` (or BENCH_TAPS_RECORDS, BENCH_TAPS_ROUNDS):
 * records/s of one topic tap end to end (a plant's MES confirmations on its own topic → the tap's
 * pipeline → hop_events) against the plain hop-event pipeline moving as many hops in the same run
 * (bench/otlp/child.ts `hops`). Each phase in a fresh child process after a warm-up, in
 * alternating rounds of which each path's fastest counts, on the embedded mode's in-process bus.
 * A breakdown of the mapping's CPU cost per record and per field comes with it. Targets are
 * reported, never enforced.
 */

const TARGETS = { ratioToHopEvents: 0.8 }

interface Phase {
  hops: number
  seconds: number
  rate: number
  cpuSeconds: number
  peakRssMiB: number
  failed?: number
}

function intParam(name: string, env: string, fallback: number, min: number): number {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))
  const n = Number(arg ? arg.slice(name.length + 3) : (process.env[env] ?? fallback))
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${arg ?? process.env[env]}`)
  return n
}

async function phase(script: string, args: string[]): Promise<Phase> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } })
  const exited = new Promise<number | null>((done) => child.on('exit', done))
  for await (const line of createInterface({ input: child.stdout })) if (line.trim().startsWith('{')) return JSON.parse(line) as Phase
  throw new Error(`bench child ${script} exited ${await exited} without a result`)
}

/** CPU µs per call of `fn` over `records` (after one pass to warm up). */
async function cpuUsPer<T>(records: readonly T[], fn: (r: T) => unknown): Promise<number> {
  for (const r of records) await fn(r)
  const u0 = process.cpuUsage()
  for (const r of records) await fn(r)
  const u = process.cpuUsage(u0)
  return Math.round(((u.user + u.system) / records.length) * 10) / 10
}

/** Where a tapped record's CPU time goes outside ClickHouse, beside a hop event's decode. */
async function breakdown() {
  const records = Array.from({ length: 20_000 }, (_, i) => confirmationBusRecord(i))
  const hopRecords: BusRecord[] = Array.from({ length: 20_000 }, (_, i) => {
    const r = benchRecord(i)
    return { topic: 't', partition: 0, offset: String(i), key: Buffer.from(r.key), value: Buffer.from(r.value), headers: {}, timestamp: 0 }
  })
  const tap = benchTap()
  const mapping = tap.mapping
  const constants: TapDefinition = {
    ...tap,
    mapping: { ...mapping, correlation_id: { value: 'C' }, plant: { value: '3000' }, occurred_at: undefined, business: {} },
  }
  const withOnly = (business: TapDefinition['mapping']['business']): TapDefinition => ({ ...constants, mapping: { ...constants.mapping, business } })
  const map = (definition: TapDefinition) => {
    const compiled = compileTap(definition)
    return (r: BusRecord) => compiled.map(r)
  }
  const constantsOnly = await cpuUsPer(records, map(constants))
  const onePath = await cpuUsPer(records, map(withOnly({ work_order: 'order.AUFNR' })))
  const oneJsonata = await cpuUsPer(records, map(withOnly({ quantity_scrap: 'yield.total - yield.good' })))
  return {
    hopEventDecode: await cpuUsPer(hopRecords, decodeRecord),
    jsonParse: await cpuUsPer(records, (r) => JSON.parse(r.value!.toString())),
    tapMapFull: await cpuUsPer(records, map(tap)),
    tapMapConstantsOnly: constantsOnly,
    perPathField: Math.round((onePath - constantsOnly) * 10) / 10,
    perJsonataField: Math.round((oneJsonata - constantsOnly) * 10) / 10,
  }
}

export async function tapsSuite(): Promise<BenchResult> {
  const n = intParam('records', 'BENCH_TAPS_RECORDS', 100_000, 1000)
  const rounds = intParam('rounds', 'BENCH_TAPS_ROUNDS', 2, 1)
  const warmup = Math.min(10_000, Math.ceil(n / 10))
  const stages = await breakdown()
  const hopRounds: Phase[] = []
  const tapRounds: Phase[] = []
  for (let round = 0; round < rounds; round++) {
    hopRounds.push(await phase('bench/otlp/child.ts', ['hops', String(warmup), String(n)]))
    tapRounds.push(await phase('bench/taps/child.ts', [String(warmup), String(n)]))
  }
  const fastest = (phases: Phase[]) => phases.reduce((best, p) => (p.rate > best.rate ? p : best))
  const [hops, tap] = [fastest(hopRounds), fastest(tapRounds)]
  const ratio = Math.round((tap.rate / hops.rate) * 100) / 100
  const cpuUs = (p: Phase) => Math.round((p.cpuSeconds * 1e6) / n)
  const cpuRatio = Math.round((cpuUs(hops) / cpuUs(tap)) * 100) / 100
  const meets = ratio >= TARGETS.ratioToHopEvents
  return {
    params: { records: n, warmup, rounds, bus: 'in-process (embedded mode)', tapFields: 'six paths, one JSONata expression, four constants' },
    metrics: {
      tapRecordsPerSecond: tap.rate,
      hopEventsPerSecond: hops.rate,
      ratio,
      cpuUsPerRecord: { tap: cpuUs(tap), hopEvents: cpuUs(hops) },
      cpuRatio,
      tap,
      hopEvents: hops,
      roundRates: { tap: tapRounds.map((r) => r.rate), hopEvents: hopRounds.map((r) => r.rate) },
      cpuUsOutsideClickHouse: stages,
    },
    targets: TARGETS,
    meetsTargets: meets,
    notes: [
      `target: ≥ ${TARGETS.ratioToHopEvents} of the hop-event rate ${meets ? 'met' : 'MISSED'}`,
      'end to end: from the first send after the warm-up to the last row counted in hop_events; records are serialised before the clock',
      `each path’s fastest of ${rounds} alternating rounds (all in roundRates); cpuRatio = hop-event CPU µs per record / the tap’s`,
      'the hop events are bench/ingest’s (about 640 bytes, a payload each); the confirmations are about 250 bytes, stored whole as the payload',
      'breakdown: CPU µs per record of each stage in this process; perPathField / perJsonataField = one more mapped field of that kind',
    ],
    table: [
      ['path', 'records/s', 'seconds', 'CPU µs/record', 'peak RSS MiB'],
      ['hop events (telemetry topic)', hops.rate, hops.seconds.toFixed(1), cpuUs(hops), hops.peakRssMiB],
      ['tap (business topic → map)', tap.rate, tap.seconds.toFixed(1), cpuUs(tap), tap.peakRssMiB],
      ['tap / hop events', ratio, '', cpuRatio, ''],
    ],
  }
}
