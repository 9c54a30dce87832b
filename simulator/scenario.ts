/**
 * Scenario profiles: how often first posting attempts fail and how, how slow ERP is, how often
 * machines stop. Numbers from EVENT-MODEL.md "Realistic volumes".
 */

export const SCENARIOS = ['normal', 'bad-day', 'month-start'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

/** What a first posting attempt runs into (the catalogue's categories, one level finer). */
export type FailureCause =
  | 'lock'
  | 'deficit'
  | 'master_data'
  | 'technical'
  | 'teco'
  | 'period'
  | 'authorization'
  | 'account_determination'

/** The failure mix of EVENT-MODEL.md, in percent of first-attempt failures. */
export const FAILURE_MIX: readonly (readonly [FailureCause, number])[] = [
  ['lock', 25],
  ['deficit', 30],
  ['master_data', 20],
  ['technical', 10],
  ['teco', 7],
  ['period', 3],
  ['authorization', 2],
  ['account_determination', 3],
]

export interface Profile {
  name: ScenarioName
  /** Share of first posting attempts that fail, at simulated time t. */
  firstAttemptFailure(t: number): number
  /** ERP call latency, lognormal. */
  erpLatency: { medianMs: number; p95Ms: number }
  /** Share of otherwise successful confirmations whose backflush fails (flow G, SAP COGI). */
  partialShare: number
  /** Mean running time between stops, and the share of stops that are breakdowns (the rest: starved/blocked). */
  runMeanMs: number
  breakdownShare: number
  /** Of lock failures, the share that clears only after the hub gave up (dead-lettered transient). */
  stuckLockShare: number
}

const HOUR = 3_600_000

export function profile(name: ScenarioName): Profile {
  switch (name) {
    case 'bad-day':
      return {
        name,
        // Swings between 8% and 15% over a six-hour cycle: bad days are not flat either.
        firstAttemptFailure: (t) => 0.08 + 0.07 * (0.5 + 0.5 * Math.sin((2 * Math.PI * t) / (6 * HOUR))),
        erpLatency: { medianMs: 900, p95Ms: 4_500 },
        partialShare: 0.008,
        runMeanMs: 15 * 60_000,
        breakdownShare: 0.45,
        stuckLockShare: 0.08,
      }
    case 'month-start':
    case 'normal':
      return {
        name,
        firstAttemptFailure: () => 0.02,
        erpLatency: { medianMs: 600, p95Ms: 3_000 },
        partialShare: 0.003,
        runMeanMs: 25 * 60_000,
        breakdownShare: 0.3,
        stuckLockShare: 0.04,
      }
  }
}
