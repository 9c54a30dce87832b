import type { BusRecord } from '../../bus/port'
import type { TapDefinition } from '../../domain/taps'

/**
 * What the admin services need of the tap mapper (ingest/taps/map.ts, the worker's own): whether a
 * definition's expressions compile, and the hop event (or the failure) it makes of a record.
 * server/ never imports ingest/ (ARCHITECTURE.md), so the modules that serve the console install the
 * worker's mapper here (app/api/taps-engine.ts); the preview then maps exactly as the running tap will.
 */
export interface TapFieldProblem {
  /** The definition's path, as the editor names its inputs: `mapping.correlation_id`, `textPattern`. */
  field: string
  message: string
}

export type TapPreviewMapping =
  /** The hop event without its payload (the record itself, shown beside it). */
  | { ok: true; event: Record<string, unknown> }
  /** `kind`: the mapper's reason (`missing`: a required field gave nothing; `expression`, `schema`, a value it could not decode). */
  | { ok: false; kind: string; field: string | null; expression: string | null; reason: string }

export interface TapEngine {
  compileErrors(definition: TapDefinition): TapFieldProblem[]
  compile(definition: TapDefinition): { map(record: BusRecord): Promise<TapPreviewMapping> }
}

const KEY = Symbol.for('linetrace.tap-engine')
type Holder = Record<symbol, TapEngine | undefined>

export function installTapEngine(engine: TapEngine): void {
  ;(globalThis as unknown as Holder)[KEY] = engine
}

export function tapEngine(): TapEngine {
  const engine = (globalThis as unknown as Holder)[KEY]
  if (!engine) throw new Error('No tap mapper installed in this process: import app/api/taps-engine.ts in the module that serves the taps services.')
  return engine
}
