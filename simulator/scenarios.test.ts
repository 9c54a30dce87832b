import { describe, expect, it } from 'vitest'
import { SLA_DEFAULTS } from '../server/domain/sla'
import type { ScenarioName } from './scenario'
import { postingRates, type PostingRates } from './testing/kpis'
import { MIN, startVirtualRun, stopVirtualRun, TUESDAY_MS } from './testing/virtual-run'

/**
 * The scenarios against the default targets (server/domain/sla.ts) the plant health is judged on:
 * a normal day meets first-pass posting success and technical failure rate at every plant, a bad
 * day misses both everywhere. Hours of the default five plants on the simulated clock (without the start-up
 * showcase, whose forced failures are a demo of their own); README.md "How the scenarios measure"
 * has the rates at the default size.
 */

const target = (kpi: string) => SLA_DEFAULTS.find((d) => d.kpi === kpi)!.target
const FIRST_PASS = target('first_pass_success')
const TECHNICAL = target('technical_failure_rate')

/** At the default rate (3 tx/s): a plant's volume decides how much a single stuck lock moves its rate. */
async function measure(scenario: ScenarioName, hours: number): Promise<PostingRates[]> {
  const run = await startVirtualRun({ seed: 3, scenario, duration: `${hours}h`, showcase: false, operators: false })
  try {
    return postingRates(run.events, TUESDAY_MS, TUESDAY_MS + hours * 60 * MIN)
  } finally {
    await stopVirtualRun(run)
  }
}

const summary = (rates: PostingRates[]) => rates.map((r) => `${r.plant}: first-pass ${r.firstPassSuccess.toFixed(2)} %, technical ${r.technicalFailureRate.toFixed(2)} %`)

describe('the scenarios against the default targets', () => {
  it('normal: every plant meets first-pass success and technical failure rate over 6 hours', async () => {
    const rates = await measure('normal', 6)
    expect(rates).toHaveLength(5)
    for (const r of rates) expect(r.settled, r.plant).toBeGreaterThan(10_000)
    const missed = rates.filter((r) => r.firstPassSuccess < FIRST_PASS || r.technicalFailureRate > TECHNICAL)
    expect(summary(missed), summary(rates).join('; ')).toEqual([])
  }, 240_000)

  it('bad day: every plant misses both', async () => {
    const rates = await measure('bad-day', 1)
    expect(rates).toHaveLength(5)
    const met = rates.filter((r) => r.firstPassSuccess >= FIRST_PASS || r.technicalFailureRate <= TECHNICAL)
    expect(summary(met), summary(rates).join('; ')).toEqual([])
  }, 240_000)
})
