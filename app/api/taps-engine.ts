import { compileTap, tapCompileErrors, type TapMapResult } from '@/ingest/taps/map'
import type { TapPreviewMapping } from '@/server/services/taps/engine'
import { installTapEngine } from '@/server/services/taps/engine'

/**
 * Installs the worker's tap mapper for the taps services (server/services/taps/engine.ts explains
 * why they cannot import it). Imported for its effect by every module that serves those services:
 * the tRPC route and the /api/v1/taps routes.
 */

/** The definition's own keys; every other field the mapper names is a mapping field (`business.work_order`). */
const TOP_LEVEL = new Set(['name', 'topic', 'start', 'format', 'textPattern', 'mapping', 'maxErrorRate'])
const definitionPath = (field: string) => (TOP_LEVEL.has(field.split('.')[0]!) ? field : `mapping.${field}`)

function previewOf(result: TapMapResult): TapPreviewMapping {
  if (!result.ok) {
    return { ok: false, kind: result.reason, field: result.field ? definitionPath(result.field) : null, expression: result.expression ?? null, reason: result.message }
  }
  // The payload is the record itself, shown beside the event already.
  const { payload: _payload, ...event } = result.event
  return { ok: true, event }
}

installTapEngine({
  compileErrors: (definition) => tapCompileErrors(definition).map((p) => ({ field: definitionPath(p.field), message: p.message })),
  compile(definition) {
    const tap = compileTap(definition)
    return { map: async (record) => previewOf(await tap.map(record)) }
  },
})
