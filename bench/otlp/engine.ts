import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClickHouse } from '../../server/clickhouse/client'
import { chCommand, chInsert } from '../../server/clickhouse/exec'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import type { HopEventInsert } from '../../server/clickhouse/tables/hop-events'
import { parseOtlpMappingConfig } from '../../server/domain/otlp-mapping'
import { decodeTraceRequest } from '../../ingest/otlp/decode'
import { createSpanMapper } from '../../ingest/otlp/map'
import { normalise } from '../../ingest/telemetry/normalise'
import { OriginCache } from '../../ingest/telemetry/origin-cache'
import { toHopEventRow } from '../../ingest/telemetry/rows'
import { measure, type StageCost } from '../ingest/costs'
import { benchRows } from '../ingest/rows'
import type { ExportBody } from './spans'

const CHEAPEST: StageCost = { cpuUs: Infinity, wallUs: Infinity }

/**
 * What an insert into hop_events (all its views, serialising included) costs per row for the two
 * paths' rows, on a fresh chDB: the bench's hop events, the OTLP hops of the run's own spans, and
 * the same OTLP hops without their attributes. The last two apart are the price of the span
 * attributes an OTLP hop carries (the hop panel lists them; about 15 map entries), which a bench hop
 * event has no counterpart to. Process CPU µs per row (all threads), wall beside it; the cheapest
 * of three inserts of `rows` rows each, the kinds alternating (the machine's speed drifts during a
 * run by more than these differ), after one warm-up insert of each kind; merges stopped.
 */
export async function engineCosts(bodies: readonly ExportBody[], rows: number): Promise<Record<'hopEvent' | 'otlpHop' | 'otlpHopWithoutAttributes', StageCost>> {
  const origins = new OriginCache(4 * rows)
  const now = new Date()
  const mapSpan = createSpanMapper(parseOtlpMappingConfig({}))
  const otlp: HopEventInsert[] = []
  for (const body of bodies) {
    for (const span of decodeTraceRequest(body.body, { contentType: 'application/x-protobuf', contentEncoding: 'gzip' }).spans) {
      const mapping = mapSpan(span)
      if (mapping.kind !== 'hops') continue
      for (const event of mapping.events) otlp.push(toHopEventRow(normalise(event, {}, origins, now), { topic: 'lt.otlp', partition: 0, offset: String(otlp.length) }, false))
    }
    if (otlp.length >= rows) break
  }
  otlp.length = Math.min(otlp.length, rows)
  const bare = otlp.map((row) => ({ ...row, attributes: {} }))
  const hops = Array.from({ length: otlp.length }, (_, i) => benchRows(i, origins, now).event)

  const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-otlp-engine-'))
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  try {
    await migrateClickHouse(ch)
    let token = 0
    // Every insert its own token: the same rows again are written, not dropped as a re-send.
    const insert = (batch: readonly HopEventInsert[]) => chInsert(ch, { table: 'hop_events', rows: batch, dedupToken: `engine:${token++}` })
    for (const batch of [hops, otlp, bare]) await insert(batch)
    await chCommand(ch, { name: 'bench.stopMerges', sql: 'SYSTEM STOP MERGES' })
    const kinds = { hopEvent: hops, otlpHop: otlp, otlpHopWithoutAttributes: bare }
    const best = { hopEvent: CHEAPEST, otlpHop: CHEAPEST, otlpHopWithoutAttributes: CHEAPEST }
    for (let round = 0; round < 3; round++)
      for (const kind of Object.keys(kinds) as (keyof typeof kinds)[]) {
        const c = await measure(kinds[kind].length, () => insert(kinds[kind]))
        if (c.cpuUs < best[kind].cpuUs) best[kind] = c
      }
    return best
  } finally {
    await ch.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
