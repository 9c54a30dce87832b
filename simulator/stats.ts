import type { HubStats } from './hub/core'
import type { OperatorStats } from './operators'
import type { PlantTopics } from './topics'

/** What a running simulator reports (`SimulatorHandle.stats()`, the CLI's progress line). */

export type Phase = 'starting' | 'backfill' | 'live' | 'virtual' | 'done' | 'stopped' | 'failed'

export interface SimulatorStats {
  phase: Phase
  /** The older part of the backfill is being written beside the live run (history.ts): "now" counts such as open dead letters are still moving. */
  writingOlderHistory: boolean
  /** Simulated now. */
  simTime: string
  /** Live: how far simulated time is behind the wall clock. */
  lagMs: number
  requestedRate: number
  /** Business transactions per simulated second over the last simulated minute. */
  achievedRate: number
  transactions: number
  byFlow: Record<string, number>
  plannedFailures: Record<string, number>
  equipmentChanges: number
  hopEvents: number
  /** The OTLP plants (`otlpPlants`): spans their hub and ERP adapter reported, export requests produced to OTLP_TOPIC. */
  otlp: { plants: string[]; spans: number; requests: number }
  /** The tapped plants (`tappedPlants`): business records their MES, hub and ERP published, per topic. */
  tapped: { plants: string[]; records: Record<string, number> }
  sourceMessages: number
  deadLetters: { total: number; byTopic: Record<string, number> }
  erpDocuments: number
  hub: HubStats
  operators: OperatorStats
  topics: { telemetry: string; plants: PlantTopics[] }
}

/** Business transactions per simulated second over the last simulated minute (SimulatorStats.achievedRate). */
export class RateWindow {
  /** [simulated time, transactions so far], oldest first. */
  private readonly samples: [number, number][] = []

  add(t: number, transactions: number): void {
    this.samples.push([t, transactions])
    while (this.samples.length > 2 && this.samples[0]![0] < t - 60_000) this.samples.shift()
  }

  /** To two decimals. */
  perSecond(): number {
    const first = this.samples[0]
    const last = this.samples[this.samples.length - 1]
    const span = first && last ? last[0] - first[0] : 0
    return span > 0 ? Math.round(((last![1] - first![1]) / span) * 1000 * 100) / 100 : 0
  }
}
