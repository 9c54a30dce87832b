import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { ClickHouse } from '../client'
import { chInsert } from '../exec'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { otelResources } from './trace'

/**
 * The resources of OpenTelemetry spans on real ClickHouse (chDB): one resource written twice, as
 * another process or a daily re-write does, in separate inserts that merges have not collapsed.
 */

let engine: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse

const HOUR = 3_600_000
const now = Date.now()
const seen = (hoursAgo: number) => new Date(now - hoursAgo * HOUR).toISOString()
const hub = { 'service.name': 'orders-hub', 'service.instance.id': 'orders-hub-1', 'host.name': 'hub-a' }
// An id with a quote: it only ever travels as a query parameter.
const wmsId = "wms'putaway"

beforeAll(async () => {
  engine = openTestClickHouse('otel-resources')
  ch = engine.ch
  await migrateClickHouse(ch)
  await chInsert(ch, {
    table: 'otel_resources',
    rows: [
      { resource_id: 'r-hub', service: 'orders-hub', attributes: hub, seen_at: seen(2) },
      { resource_id: wmsId, service: 'wms-putaway', attributes: { 'service.name': 'wms-putaway' }, seen_at: seen(30) },
    ],
  })
  // Written later but seen earlier: the order of the inserts must not decide which copy is read.
  await chInsert(ch, {
    table: 'otel_resources',
    rows: [{ resource_id: 'r-hub', service: 'orders-hub', attributes: { ...hub, 'host.name': 'stale-host' }, seen_at: seen(26) }],
  })
}, 120_000)
afterAll(() => engine.dispose())

describe('otelResources', () => {
  it('gives each asked-for resource its latest attributes; unknown ids are absent', async () => {
    const resources = await otelResources(ch, { ids: ['r-hub', wmsId, 'r-gone'] })
    expect(resources).toEqual(
      new Map<string, Record<string, string>>([
        ['r-hub', hub],
        [wmsId, { 'service.name': 'wms-putaway' }],
      ]),
    )
  })

  it('reads only the ids asked for', async () => {
    expect([...(await otelResources(ch, { ids: [wmsId] })).keys()]).toEqual([wmsId])
  })

  it('does not query for no ids', async () => {
    const query = vi.spyOn(ch.client, 'query')
    try {
      expect(await otelResources(ch, { ids: [] })).toEqual(new Map())
      expect(query).not.toHaveBeenCalled()
    } finally {
      query.mockRestore()
    }
  })
})
