import type { HopEventInput } from '../../server/domain/hop-event'
import type { HubMessage } from '../../server/domain/flow-messages'
import type { HopSpec, Trail } from '../hop'
import type { PlantModel, SystemKey } from '../model'
import type { Profile } from '../scenario'
import type { Scheduler } from '../scheduler'
import type { PendingSend } from '../state'
import type { World } from '../world'

/** What the plant side shares: the clock, the ERP's reality, and the two ways out (telemetry, hub messages). */
export interface EngineContext {
  seed: string
  sched: Scheduler
  world: World
  profile: Profile
  /** Business transactions per second across all plants, off-peak on a working day (changes after a backfill). */
  rate: number
  /** Share of lines that still run on a day without shifts (weekend crews), and of the rate. */
  weekendFactor: number
  /** Confirmation rate in the last 30 minutes of a shift, as a multiple of the usual one. */
  peakFactor: number
  totalLines: number
  /** Minutes since the epoch at the run's start: offsets number ranges so restarts never reuse order or lot numbers. */
  runId: number
  emit(event: HopEventInput, plant: PlantModel, system: SystemKey): void
  send(plant: PlantModel, message: HubMessage, traceparent: string): void
  /** Messages built and not sent yet (their send is scheduled): what a stop hands to the next start. */
  unsent: Set<PendingSend>
  stats: EngineStats
}

export interface EngineStats {
  /** Business transactions started (flows other than equipment_state), by flow. */
  transactions: Record<string, number>
  /** First attempts planned to fail, by cause. */
  plannedFailures: Record<string, number>
  equipmentChanges: number
}

/** Builds the hop now (so causal chains follow the order of the code) and emits it at its own time. */
export function scheduleHop(ctx: EngineContext, plant: PlantModel, trail: Trail, spec: HopSpec): HopEventInput {
  const event = trail.hop(spec)
  ctx.sched.at(spec.at, () => ctx.emit(event, plant, spec.system))
  return event
}
