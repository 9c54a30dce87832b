import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../server/bus/local'
import type { BusRecord } from '../server/bus/port'
import { waitFor } from '../server/bus/testing'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { POSTING_FLOWS } from '../server/domain/txn-state'
import { TAIL_MS } from './history'
import type { SimulatorDeps } from './deps'
import type { SimulatorOptionsInput } from './options'
import { Simulation } from './simulator'
import { loadState } from './state'
import { byTransaction } from './testing/hops'
import { decodeHop, readTopics } from './testing/records'
import { MIN, TUESDAY } from './testing/virtual-run'

/**
 * A backfill in two parts (options.backfillRecent): the recent hours are written first, complete,
 * then the older ones; the older part settles what it began at the seam and reports nothing after
 * it; a stop half-way is remembered, and the next start writes the rest of it, so that the two
 * starts together report what one uninterrupted start does. Real simulations on the in-process bus
 * with the simulated clock.
 */

const HOUR = 60 * MIN
const START = Date.parse(TUESDAY)
/** The seam: the recent part is [SEAM, START), the older one [START − 5 h, SEAM). */
const SEAM = START - 2 * HOUR
const OPTIONS: SimulatorOptionsInput = {
  clock: 'virtual',
  start: START,
  duration: '10m',
  backfill: '5h',
  backfillRecent: '2h',
  seed: 3,
  plants: 5,
  lines: 2,
  rate: 2,
  maxEventsPerSecond: 1e9,
  showcase: false,
}

const origin = (e: HopEventInput) => Date.parse(e.origin_time ?? e.occurred_at)
const settled = (list: HopEventInput[]) =>
  list.some((e) => e.event_type === 'erp.posting_succeeded' || e.event_type === 'erp.posting_partially_succeeded' || e.status === 'dead_lettered')

/** What a run wrote of the older part (origin before the seam; its dead letters and business records by their transaction). */
interface Written {
  hops: [first: Map<string, string>, again: Map<string, string>]
  records: string[]
}

/**
 * What a run produced of the older part: its hop events by id (and those produced a second time),
 * and its dead letters and the tapped plant's business records, keyed by a transaction of `older`.
 */
async function writtenOlder(transport: LocalTransport, sim: Simulation, older: ReadonlySet<string>): Promise<Written> {
  const hops = new Map<string, string>()
  const again = new Map<string, string>()
  for (const record of await readTopics(transport, [sim.telemetryTopic])) {
    const { event } = decodeHop(record)
    if (Date.parse(String(event.origin_time ?? event.occurred_at)) >= SEAM) continue
    const id = String(event.event_id)
    ;(hops.has(id) ? again : hops).set(id, JSON.stringify(event))
  }
  const others = await readTopics(transport, [...sim.topics.map((t) => t.dlq), ...(sim.tapped?.topics() ?? [])])
  const text = (r: BusRecord) => JSON.stringify([r.topic, r.key?.toString(), r.value?.toString(), Object.entries(r.headers).sort(), r.timestamp])
  return { hops: [hops, again], records: others.filter((r) => r.key && older.has(r.key.toString())).map(text) }
}

describe('a backfill with its recent part first', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
  const stateDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-history-'))
    dirs.push(dir)
    return dir
  }
  /** One uninterrupted first start (both tests compare with it). */
  let complete: Promise<{ transport: LocalTransport; sim: Simulation; events: HopEventInput[]; dir: string }> | undefined
  const completeRun = () =>
    (complete ??= (async () => {
      const transport = new LocalTransport()
      const events: HopEventInput[] = []
      const dir = stateDir()
      const sim = await Simulation.create({ transport, config: loadConfig({}), options: OPTIONS, onHopEvent: (e) => events.push(e), stateDir: dir })
      await sim.run()
      await sim.close()
      return { transport, sim, events, dir }
    })())

  it('writes every hour of the recent part before any older hop, and the older part settles at the seam without reporting past it', async () => {
    const { transport, sim, events, dir } = await completeRun()
    expect(sim.origin).toBe(SEAM)

    const firstOlder = events.findIndex((e) => origin(e) < SEAM)
    expect(firstOlder).toBeGreaterThan(0)
    const recent = events.slice(0, firstOlder)
    // Every plant's every hour of the recent part is there before the first older hop.
    for (const plant of sim.plants.map((p) => p.code))
      for (let h = SEAM; h < START; h += HOUR) expect(recent.some((e) => e.plant === plant && origin(e) >= h && origin(e) < h + HOUR), `${plant} ${new Date(h).toISOString()}`).toBe(true)
    // From then on, what happens before START is the older part's (the run itself is past START, and
    // the older part ends with its tail, TAIL_MS after the seam): after the seam it reports only what
    // it began before it — the recent part's plants, already written, are not reported twice.
    expect(SEAM + TAIL_MS).toBeLessThanOrEqual(START)
    const older = events.slice(firstOlder).filter((e) => Date.parse(e.occurred_at) < START)
    expect(older.filter((e) => origin(e) >= SEAM)).toEqual([])
    // Yet it ran on past the seam: its transactions in flight there were settled after it.
    expect(older.some((e) => Date.parse(e.occurred_at) >= SEAM)).toBe(true)
    const open = [...byTransaction(older)]
      .filter(([, list]) => (POSTING_FLOWS as readonly string[]).includes(list[0]!.flow!) && !settled(list))
      .map(([id, list]) => `${id} ${list[0]!.flow} ${list.at(-1)!.event_type}`)
    expect(older.length).toBeGreaterThan(1000)
    expect(open).toEqual([])
    // Its dead letters are those of its transactions, none of a transaction it dropped.
    const reported = new Set(events.map((e) => e.correlation_id))
    const deadLetters = await readTopics(transport, sim.topics.map((t) => t.dlq))
    expect(deadLetters.length).toBeGreaterThan(0)
    expect(deadLetters.filter((r) => !reported.has(r.key!.toString()))).toEqual([])
    // Its numbers are its own: no ERP document of the recent part is booked again.
    const documents = (list: HopEventInput[]) => list.filter((e) => e.event_type === 'erp.posting_succeeded' && !e.attributes?.reconciled).map((e) => e.business?.erp_document)
    const recentDocs = new Set(documents(recent))
    expect(documents(older).filter((d) => recentDocs.has(d))).toEqual([])

    const state = loadState(dir)
    expect(state.historyFrom).toBe(new Date(START - 5 * HOUR).toISOString())
    expect(state.olderHistory).toBeUndefined()
  }, 120_000)

  it('stopped while writing the older part: the next start writes the rest, and the two report what one uninterrupted start does', async () => {
    const dir = stateDir()
    const runs: { transport: LocalTransport; sim: Simulation }[] = []
    const older = new Set<string>()
    const create = async (options: SimulatorOptionsInput, deps: Partial<SimulatorDeps> = {}) => {
      const transport = new LocalTransport()
      const sim = await Simulation.create({ transport, config: loadConfig({}), options: { ...OPTIONS, ...options }, stateDir: dir, ...deps })
      runs.push({ transport, sim })
      return sim
    }
    const collect = (e: HopEventInput) => {
      if (origin(e) < SEAM) older.add(e.correlation_id)
    }
    let olderHops = 0
    const first: Simulation = await create(
      { duration: undefined },
      {
        onHopEvent: (e) => {
          collect(e)
          // A stop a little way into the older part, while the run itself is live (virtual) beside it.
          if (origin(e) < SEAM && ++olderHops === 2_000) first.requestStop()
        },
        // The ingest 500 records behind the older part: at the stop, the last of them are not known to be stored.
        backlog: async () => (first.stats().writingOlderHistory ? 500 : 0),
      },
    )
    await first.run()
    await first.close()
    const cut = loadState(dir).olderHistory!
    expect(Date.parse(cut.from)).toBe(START - 5 * HOUR)
    expect(cut.to).toBe(new Date(SEAM).toISOString())
    expect(cut.options).toMatchObject({ seed: '3/older', start: START - 5 * HOUR })
    expect(Date.parse(cut.storedBefore!)).toBeGreaterThan(START - 5 * HOUR)
    expect(Date.parse(cut.storedBefore!)).toBeLessThan(Date.parse(cut.writtenTo!))
    expect(Date.parse(cut.writtenTo!)).toBeLessThan(SEAM)

    const second = await create({ start: START + HOUR, duration: '5m' }, { onHopEvent: collect })
    expect(second.origin).toBe(second.liveStart)
    await second.run()
    await second.close()
    expect(loadState(dir).historyFrom).toBe(new Date(START - 5 * HOUR).toISOString())
    expect(loadState(dir).olderHistory).toBeUndefined()

    const whole = await completeRun()
    for (const e of whole.events) collect(e)
    const expected = await writtenOlder(whole.transport, whole.sim, older)
    const [before, after] = await Promise.all(runs.map((r) => writtenOlder(r.transport, r.sim, older)))
    // Every hop event of the older part, the same in every field; what the first start had not
    // stored for sure (between storedBefore and writtenTo) once more: the ingest absorbs a re-sent id.
    expect(expected.hops[1].size).toBe(0)
    const again = [...after!.hops[0].keys()].filter((id) => before!.hops[0].has(id))
    expect(again.length).toBeGreaterThan(0)
    expect(new Map([...before!.hops[0], ...after!.hops[0]])).toEqual(expected.hops[0])
    expect(again.every((id) => before!.hops[0].get(id) === after!.hops[0].get(id))).toBe(true)
    // Dead letters and business records exactly once each: a second copy would be a second one.
    expect(expected.records.length).toBeGreaterThan(100)
    expect([...before!.records, ...after!.records].sort()).toEqual([...expected.records].sort())
    await Promise.all([...runs, whole].map((r) => r.transport.close()))
  }, 240_000)

  it('the older part waits for olderHistoryAfter (npm start: the console serving) while the run goes on live', async () => {
    const transport = new LocalTransport()
    const events: HopEventInput[] = []
    let open: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (open = resolve))
    const sim = await Simulation.create({ transport, config: loadConfig({}), options: OPTIONS, onHopEvent: (e) => events.push(e), stateDir: stateDir(), olderHistoryAfter: gate })
    const run = sim.run()
    // The run itself reaches its end (virtual clock) while the older part waits at the gate.
    await waitFor('the run past its live start', () => (events.some((e) => origin(e) >= START + 5 * MIN) ? true : undefined), { timeoutMs: 60_000 })
    await new Promise((r) => setTimeout(r, 300))
    expect(events.filter((e) => origin(e) < SEAM)).toEqual([])
    open()
    await run
    await sim.close()
    expect(events.filter((e) => origin(e) < SEAM).length).toBeGreaterThan(1000)
    await transport.close()
  }, 120_000)
})
