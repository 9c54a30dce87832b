import type { HubMessage } from '../../../server/domain/flow-messages'
import type { Trail, TxnContext } from '../../hop'
import type { PlantModel } from '../../model'
import type { Rng } from '../../prng'
import type { EngineContext } from '../context'
import type { FaultPlanner, Forced } from '../faults'
import type { LineSim } from '../line'

/**
 * What a flow's builder (one module per flow in this folder) takes from its plant (PlantSim): the
 * plant's random stream, numbers and lots, and the helpers every transaction is built with — its
 * trail of hops, the message header, the faults any posting can carry, and the send to the hub.
 */
export interface FlowHost {
  readonly ctx: EngineContext
  readonly plant: PlantModel
  readonly lines: LineSim[]
  readonly rng: Rng
  readonly numberBase: number
  /** The last number handed out per document kind. */
  readonly seq: { order: number; lot: number; conf: number; gm: number; to: number; delivery: number; inspection: number }
  /** Lots recently produced per material (the newest first), and held lots with the end of their hold. */
  readonly recentLots: Map<string, string[]>
  readonly heldUntil: Map<string, number>
  readonly faults: FaultPlanner
  count(flow: string, cause: string | undefined): void
  headerFaults(t: number, key: string, cause: Forced['cause'] | undefined, forced: Forced | undefined, user: string): { postingDate: string; user: string }
  batchFor(material: string, t: number): string
  isHeld(lot: string, t: number): boolean
  addRecentLot(material: string, lot: string): void
  uomOf(material: string): string
  quantityOf(material: string): number
  trail(t: number, flow: string, prefix: string, key: string | undefined, business: TxnContext['business'], line?: LineSim): Trail
  sendAt(at: number, message: HubMessage, trail: Trail): void
  common(trail: Trail, t: number, sentAt: number, system: string, user: string, line?: LineSim): MessageCommon
  pickLine(t: number, byPending: boolean): LineSim | undefined
}

/** The header fields every business message to the hub carries. */
export interface MessageCommon {
  message_id: string
  correlation_id: string
  idempotency_key: string
  plant: string
  flow: string
  origin_time: string
  sent_at: string
  source: { system: string; instance: string }
  user: string
  line: string | undefined
  work_center: string | undefined
  location_path: string | undefined
}

export const round3 = (x: number) => Math.round(x * 1000) / 1000
