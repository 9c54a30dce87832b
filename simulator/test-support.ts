import type { BusRecord, Headers, Transport } from '../server/bus/port'
import { LocalTransport } from '../server/bus/local'
import { uniqueTopic, waitFor } from '../server/bus/testing'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import type { SimulatorOptionsInput } from './options'
import { Simulation } from './simulator'

/**
 * Helpers for the simulator's tests: a seeded run on the in-process bus with the simulated clock,
 * reading topics back, and a hop-event decoder written from EVENT-MODEL.md "On the wire" (not the
 * simulator's encoder, and not the ingest worker's decoder).
 */

/** A Tuesday: every demo plant is in a shift (Hamburg and Lyon early, Detroit and Monterrey night, Pune at its end-of-shift peak). */
export const TUESDAY = '2026-11-24T08:00:00Z'

export interface VirtualRun {
  transport: LocalTransport
  sim: Simulation
  /** Hop events as built, before encoding. */
  events: HopEventInput[]
}

export async function virtualRun(options: SimulatorOptionsInput, until?: number, transport = new LocalTransport()): Promise<VirtualRun> {
  const events: HopEventInput[] = []
  const sim = await Simulation.create({
    transport,
    config: loadConfig({}),
    options: { clock: 'virtual', start: TUESDAY, maxEventsPerSecond: 1e9, ...options },
    onHopEvent: (e) => events.push(e),
  })
  if (until === undefined) await sim.run()
  else {
    if (options.showcase !== false) sim.engine.showcase(sim.liveStart)
    await sim.runVirtual(until)
  }
  return { transport, sim, events }
}

export async function finish(run: VirtualRun): Promise<void> {
  await run.sim.close()
  await run.transport.close()
}

/** Every record of the matching topics, in (topic, partition, offset) order. */
export async function readTopics(transport: Transport, topics: string[] | RegExp): Promise<BusRecord[]> {
  const consumer = transport.consumer({ groupId: uniqueTopic('sim-test-reader'), topics, fromBeginning: true })
  const records: BusRecord[] = []
  await consumer.run(async (batch) => {
    records.push(...batch.records)
  })
  await waitFor('the reader to reach the end of every partition', async () => {
    const lag = await consumer.lag()
    return lag.every((l) => l.lag === 0) ? true : undefined
  })
  await consumer.stop()
  return records.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))))
}

export function headerText(headers: Headers, name: string): string | undefined {
  const v = headers[name]
  const b = Array.isArray(v) ? v[v.length - 1] : v
  return b?.toString('utf8')
}

export type Encoding = 'json' | 'cloudevents-structured' | 'cloudevents-binary'

/** A telemetry record back to hop fields: CloudEvent attributes fill what the data leaves out. */
export function decodeHop(record: BusRecord): { encoding: Encoding; event: Record<string, unknown> } {
  const value = JSON.parse(record.value!.toString('utf8')) as Record<string, unknown>
  const fill = (event: Record<string, unknown>, get: (attr: string) => unknown) => {
    for (const [field, attr] of [
      ['event_id', 'id'],
      ['event_type', 'type'],
      ['occurred_at', 'time'],
      ['correlation_id', 'correlationid'],
      ['causation_id', 'causationid'],
    ] as const)
      if (event[field] === undefined && get(attr) !== undefined) event[field] = get(attr)
    return event
  }
  if (headerText(record.headers, 'content-type')?.startsWith('application/cloudevents+json'))
    return { encoding: 'cloudevents-structured', event: fill({ ...(value.data as Record<string, unknown>) }, (a) => value[a]) }
  if (headerText(record.headers, 'ce_specversion') !== undefined)
    return { encoding: 'cloudevents-binary', event: fill(value, (a) => headerText(record.headers, `ce_${a}`)) }
  return { encoding: 'json', event: value }
}

export type Hop = HopEventInput

/** Hop events grouped by transaction, each in time order. */
export function byTransaction(events: readonly Hop[]): Map<string, Hop[]> {
  const out = new Map<string, Hop[]>()
  for (const e of events) {
    const list = out.get(e.correlation_id) ?? []
    list.push(e)
    out.set(e.correlation_id, list)
  }
  for (const list of out.values()) list.sort((a, b) => a.occurred_at.localeCompare(b.occurred_at))
  return out
}

export const MIN = 60_000
