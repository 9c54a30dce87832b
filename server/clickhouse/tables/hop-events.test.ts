import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { chQuery } from '../exec'
import { migrateClickHouse } from '../migrate'
import { openTestClickHouse } from '../testing'
import { HOP_EVENT_COLUMNS, HOP_PAYLOAD_COLUMNS } from './hop-events'

/** The column lists mirror the migrations' tables column for column: name, kind and how an insert treats it. */

let engine: ReturnType<typeof openTestClickHouse>

beforeAll(async () => {
  engine = openTestClickHouse('tables')
  await migrateClickHouse(engine.ch)
})

afterAll(async () => {
  await engine.dispose()
})

function kindOf(type: string): string {
  if (/^(LowCardinality\()?String\)?$/.test(type)) return 'text'
  if (type.startsWith('DateTime64')) return 'time'
  if (type === 'Nullable(UInt32)') return 'nullableNumber'
  if (type === 'Int64') return 'int64'
  if (/^(U?Int(8|16|32)|Float64)$/.test(type)) return 'number'
  if (type === 'Bool') return 'bool'
  if (type === 'Array(String)') return 'texts'
  if (type.startsWith('Map(')) return 'map'
  return type
}

const insertOf = (defaultKind: string) => (defaultKind === 'MATERIALIZED' ? 'materialized' : defaultKind === 'DEFAULT' ? 'default' : 'required')

async function schema(table: string): Promise<Record<string, [string, string]>> {
  const { rows } = await chQuery<{ name: string; type: string; default_kind: string }>(engine.ch, {
    name: 'test.columns',
    sql: 'SELECT name, type, default_kind FROM system.columns WHERE database = {db:String} AND table = {t:String} ORDER BY position',
    params: { db: engine.ch.database, t: table },
  })
  return Object.fromEntries(rows.map((c) => [c.name, [kindOf(c.type), insertOf(c.default_kind)]]))
}

describe('hop tables', () => {
  test('HOP_EVENT_COLUMNS is hop_events', async () => {
    expect(await schema('hop_events')).toEqual(HOP_EVENT_COLUMNS)
  })

  test('HOP_PAYLOAD_COLUMNS is hop_payloads', async () => {
    expect(await schema('hop_payloads')).toEqual(HOP_PAYLOAD_COLUMNS)
  })
})
