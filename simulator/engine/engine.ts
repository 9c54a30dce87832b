import type { PlantModel } from '../model'
import type { PendingSend } from '../state'
import type { EngineContext } from './context'
import { PlantSim } from './plant'
import { SHOWCASE } from './showcase'

/** The plant side of the simulation: every plant's lines and arrivals, plus the start-up showcase. */
export class Engine {
  readonly plants: PlantSim[]

  constructor(
    readonly ctx: EngineContext,
    models: PlantModel[],
  ) {
    this.plants = models.map((m) => new PlantSim(ctx, m))
  }

  start(t: number): void {
    for (const p of this.plants) p.start(t)
  }

  /** Schedules the showcase to begin at `t` (the start of the live phase, where a user is watching). */
  showcase(t: number): void {
    for (const item of SHOWCASE) {
      const plant = this.plants[item.plant % this.plants.length]
      if (!plant) continue
      this.ctx.sched.at(t + item.afterMs, (tt) => {
        plant.run(item.kind, tt, item.forced, true)
      })
    }
  }

  /** Sends what the plants of the previous run had not sent when it stopped (state.ts), no earlier than `t`. */
  resume(sends: readonly PendingSend[], t: number): void {
    for (const s of sends) {
      const plant = this.plants.find((p) => p.plant.code === s.plant)
      if (plant) this.ctx.sched.at(Math.max(s.at, t), () => this.ctx.send(plant.plant, s.message, s.traceparent))
    }
  }

  /** The order a line works on now: an operator editing a TECO dead letter books onto it. */
  currentOrder(plant: string, line: string | undefined): string | undefined {
    const sim = this.plants.find((p) => p.plant.code === plant)
    if (!sim) return undefined
    return sim.currentOrder(line ?? sim.lines[0]?.model.id ?? '')
  }
}
