import type { BusRecord } from './port'
import type { LocalConsumer } from './local-consumer'

/** The in-process bus's log (local.ts): topics, their partitions of records, and consumer groups. */

export interface Partition {
  readonly topic: string
  readonly index: number
  /** Offset of records[0]: records below it were dropped by retention. */
  base: number
  readonly records: BusRecord[]
  readonly sizes: number[]
  bytes: number
}

export interface Topic {
  readonly name: string
  readonly partitions: Partition[]
  /** Consumers whose subscription matches this topic: woken on every produce. */
  readonly listeners: Set<LocalConsumer>
  roundRobin: number
}

export const end = (p: Partition) => p.base + p.records.length

export class Group {
  readonly committed = new Map<Partition, number>()
  readonly members: LocalConsumer[] = []
  /** Partitions with a batch in flight: never handed to a second member at the same time. */
  readonly busy = new Set<Partition>()
  /** When the last member left. */
  idleSince = Date.now()

  constructor(readonly id: string) {}

  /** Partitions are spread over the members that subscribe to their topic, in joining order. */
  owns(member: LocalConsumer, p: Partition): boolean {
    if (this.members.length === 1) return true
    const candidates = this.members.filter((m) => m.matches(p.topic))
    return candidates[p.index % candidates.length] === member
  }

  wakeAll(): void {
    for (const m of this.members) m.wake()
  }
}
