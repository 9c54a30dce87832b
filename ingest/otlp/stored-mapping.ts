import type { Config } from '../../server/config'
import type { PrismaClient } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import { effectiveOtlpMapping, otlpMappingVersion, readOtlpMapping } from '../../server/services/otlp/mapping'
import { createSpanMapper, type SpanMapper } from './map'

/**
 * The worker's view of the admin-edited mapping (server/services/otlp/mapping.ts): read at start,
 * then re-read when the stored row's `updatedAt` changes. The check is one primary-key read of one
 * timestamp every `pollMs` (default 5 s): cheap and bounded whatever the span rate, needs nothing
 * beyond the database both processes already share (the console may run apart from the worker, so
 * an in-process notification would not reach it), and an admin's save applies within seconds.
 * A mapper is swapped whole between spans: each span is mapped with one mapping, spans mapped after
 * the swap with the new one; spans already mapped keep the hops they became.
 */

export interface LiveOtlpMapping {
  /** Maps with the mapping current at the call. */
  map: SpanMapper
  /** Re-reads now if the stored mapping changed (the timer calls it; tests may too). */
  refresh(): Promise<void>
  stop(): void
}

export const MAPPING_POLL_MS = 5_000

export async function startStoredOtlpMapping(deps: { prisma: PrismaClient; config: Config; logger: Logger; pollMs?: number }): Promise<LiveOtlpMapping> {
  const { prisma, config } = deps
  const log = deps.logger.child({ component: 'otlp-mapping' })
  const load = async () => {
    const view = await readOtlpMapping(prisma, config)
    return { version: view.updatedAt?.getTime() ?? null, mapper: createSpanMapper(effectiveOtlpMapping(view.config, config.env.OTLP_DEFAULT_PLANT)) }
  }
  // At start a stored mapping that cannot be read stops the worker's start: mapping with the
  // defaults instead would put spans in the wrong plants without anyone noticing.
  let current = await load()
  let refreshing: Promise<void> | undefined

  async function refresh(): Promise<void> {
    const version = (await otlpMappingVersion(prisma))?.getTime() ?? null
    if (version === current.version) return
    current = await load()
    log.info({ updatedAt: version === null ? null : new Date(version).toISOString() }, 'OTLP mapping changed: spans mapped from now on use it')
  }

  const timer = setInterval(() => {
    // One refresh at a time; a failed one (database away, a row this version cannot read) keeps
    // the mapping in use and is tried again at the next tick.
    refreshing ??= refresh()
      .catch((error: unknown) => log.warn({ err: error }, 'OTLP mapping not re-read; the previous one stays in use'))
      .finally(() => (refreshing = undefined))
  }, deps.pollMs ?? MAPPING_POLL_MS)
  timer.unref()

  return {
    map: (span) => current.mapper(span),
    refresh,
    stop: () => clearInterval(timer),
  }
}
