import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { closeClickHouse, createClickHouse, getClickHouse } from './client'
import { chQuery, ClickHouseQueryError } from './exec'

const dataDir = mkdtempSync(path.join(tmpdir(), 'lt-client-'))

afterAll(async () => {
  await closeClickHouse()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('getClickHouse', () => {
  it('keeps one embedded engine per process on globalThis', async () => {
    const ch = getClickHouse({ database: 'linetrace', dataDir })
    expect(ch.mode).toBe('embedded')
    expect(ch.chdb?.session.path).toBe(path.join(dataDir, 'clickhouse'))
    expect(existsSync(path.join(dataDir, 'clickhouse'))).toBe(true)
    expect(getClickHouse({ database: 'linetrace', dataDir })).toBe(ch)
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('linetrace.clickhouse')]).toBeDefined()

    const { rows } = await chQuery<{ v: string }>(ch, { name: 'test.version', sql: 'SELECT version() AS v' })
    expect(rows[0]!.v).toMatch(/^\d+\.\d+/)
  })

  it('refuses to open a second, different store in the same process', () => {
    expect(() => getClickHouse({ database: 'other', dataDir })).toThrow(/already open/)
    expect(() => getClickHouse({ database: 'linetrace', dataDir: path.join(dataDir, 'elsewhere') })).toThrow(/already open/)
  })

  it('idle() settles only when the engine has finished what it was running, awaited or not', async () => {
    const ch = getClickHouse({ database: 'linetrace', dataDir })
    const started = performance.now()
    // Nobody awaits it, as with a call abandoned at shutdown: the exit must still wait for the engine.
    const abandoned = chQuery(ch, { name: 'test.sleep', sql: 'SELECT sleep(0.8) AS s' }).catch(() => undefined)
    await ch.idle()
    expect(performance.now() - started).toBeGreaterThan(700)
    await abandoned
    const quiet = performance.now()
    await ch.idle()
    expect(performance.now() - quiet).toBeLessThan(100)
  })

  it('closeClickHouse forgets the handle', async () => {
    await closeClickHouse()
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('linetrace.clickhouse')]).toBeUndefined()
    await closeClickHouse() // idempotent
  })
})

describe('createClickHouse (server mode)', () => {
  it('builds an HTTP client without touching the network or requiring the database', async () => {
    const ch = createClickHouse({ url: 'http://127.0.0.1:9', user: 'u', password: 'p', database: 'linetrace', dataDir })
    expect(ch.mode).toBe('server')
    expect(ch.chdb).toBeUndefined()
    // Nothing listens on port 9: the failure surfaces as a query error naming the query.
    await expect(chQuery(ch, { name: 'test.unreachable', sql: 'SELECT 1' })).rejects.toBeInstanceOf(ClickHouseQueryError)
    await ch.close()
  })

  it('rejects a database name that is not a plain identifier', () => {
    expect(() => createClickHouse({ database: 'a-b', dataDir })).toThrow(/Invalid ClickHouse database name/)
  })
})
