import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { LocalTransport } from '../server/bus/local'
import { loadConfig } from '../server/config'
import type { HopEventInput } from '../server/domain/hop-event'
import { POSTING_FLOWS } from '../server/domain/txn-state'
import type { SimulatorOptionsInput } from './options'
import { Simulation } from './simulator'
import { parseSimulatorOptions, simulatorOptionsFromEnv } from './options'
import { loadState } from './state'
import { byTransaction } from './testing/hops'
import { MIN, TUESDAY } from './testing/virtual-run'

/**
 * `npm start` stopped and started again: the in-process bus loses every record, so whatever the
 * simulator had in flight — messages the plants had not sent, postings the hub was retrying or
 * holding for stock — must come back from its state directory. Two runs on the simulated clock with
 * a fresh bus each, four minutes after the showcase began (a lock between retries, deficits
 * waiting on stock, postings on their way), two minutes apart.
 */

const START = Date.parse(TUESDAY)
const STOP = START + 4 * MIN
const RESTART = STOP + 2 * MIN
const OPTIONS: SimulatorOptionsInput = { clock: 'virtual', seed: 5, plants: 5, lines: 2, rate: 2, maxEventsPerSecond: 1e9, operators: false }

const settledPosting = (list: HopEventInput[]) =>
  list.some((e) => e.event_type === 'erp.posting_succeeded' || e.event_type === 'erp.posting_partially_succeeded' || e.status === 'dead_lettered')

/** Runs until STOP, stops, runs again from RESTART for 15 min; the posting transactions begun before the stop that never settled. */
async function stopAndRestart(stateDir: string | undefined): Promise<{ open: string[]; started: number; kept: number }> {
  const events: HopEventInput[] = []
  const create = (start: number) =>
    Simulation.create({ transport: new LocalTransport(), config: loadConfig({}), options: { ...OPTIONS, start }, onHopEvent: (e) => events.push(e), stateDir })
  const first = await create(START)
  first.engine.showcase(first.liveStart)
  await first.runVirtual(STOP)
  await first.close()
  const inFlight = stateDir === undefined ? undefined : loadState(stateDir).inFlight
  const second = await create(RESTART)
  await second.runVirtual(RESTART + 15 * MIN)
  await second.close()
  const before = [...byTransaction(events)].filter(([, list]) => (POSTING_FLOWS as readonly string[]).includes(list[0]!.flow!) && Date.parse(list[0]!.origin_time!) < STOP)
  return {
    open: before.filter(([, list]) => !settledPosting(list)).map(([id, list]) => `${id} ${list[0]!.flow} ${list.at(-1)!.event_type}`),
    started: before.length,
    kept: (inFlight?.sends.length ?? 0) + (inFlight?.hub.length ?? 0),
  }
}

describe('a restart of the embedded simulator', () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it('resumes the work in flight: every posting begun before the stop is posted or dead-lettered after the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-state-'))
    dirs.push(dir)
    const { open, started, kept } = await stopAndRestart(dir)
    expect(started).toBeGreaterThan(100)
    expect(kept).toBeGreaterThan(5)
    expect(open).toEqual([])
    // Resumed once: the second stop kept only its own work in flight.
    expect(loadState(dir).inFlight!.stoppedAt).toBeGreaterThan(RESTART)
  }, 60_000)

  it('without a state directory the same restart leaves postings open (what the state is for)', async () => {
    const { open } = await stopAndRestart(undefined)
    expect(open.length).toBeGreaterThan(5)
  }, 60_000)
})

describe('the embedded backfill', () => {
  it('is a week at a sixth of the rate by default, its last two days first; 0 skips it', () => {
    expect(parseSimulatorOptions(simulatorOptionsFromEnv({}))).toMatchObject({ backfill: 7 * 24 * 60 * MIN, backfillRate: 0.5, backfillRecent: 2 * 24 * 60 * MIN })
    expect(parseSimulatorOptions(simulatorOptionsFromEnv({ SIMULATOR_BACKFILL_RECENT: '0' }))).toMatchObject({ backfill: 7 * 24 * 60 * MIN, backfillRecent: 0 })
    expect(parseSimulatorOptions(simulatorOptionsFromEnv({ SIMULATOR_BACKFILL: '0', SIMULATOR_RATE: '6' }))).toMatchObject({ backfill: 0, backfillRate: 1 })
    expect(parseSimulatorOptions(simulatorOptionsFromEnv({ SIMULATOR_BACKFILL_RATE: '2' }))).toMatchObject({ backfillRate: 2 })
  })

  it('happens on the first start only: later starts on the same state go live at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-state-'))
    try {
      const start = (at: number) =>
        Simulation.create({ transport: new LocalTransport(), config: loadConfig({}), options: { ...OPTIONS, start: at, backfill: '1h' }, stateDir: dir })
      const first = await start(START)
      expect(first.origin).toBe(START - 60 * MIN)
      await first.close()
      // Nothing was run: the history is remembered as soon as the run begins writing it.
      const again = await start(START)
      expect(again.origin).toBe(START - 60 * MIN)
      const run = again.run()
      again.requestStop()
      await run
      await again.close()
      expect(loadState(dir).historyFrom).toBe(new Date(START - 60 * MIN).toISOString())
      const later = await start(START + 60 * MIN)
      expect(later.origin).toBe(later.liveStart)
      await later.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('the showcase', () => {
  it('runs on the first start only: a restart forces no failures again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-sim-state-'))
    try {
      const showcased = async (start: number) => {
        // Rate 0: the showcase's transactions are the only ones.
        const sim = await Simulation.create({ transport: new LocalTransport(), config: loadConfig({}), options: { ...OPTIONS, rate: 0, start, duration: '30s' }, stateDir: dir })
        await sim.run()
        await sim.close()
        return sim.stats().transactions
      }
      expect(await showcased(START)).toBeGreaterThan(10)
      expect(await showcased(START + 60 * MIN)).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
