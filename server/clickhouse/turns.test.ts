import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createClickHouse } from './client'
import { chCommand, chInsert, chQuery } from './exec'
import { EngineTurns } from './turns'

/** A statement the test ends by hand: what the engine would be doing meanwhile. */
function statement(log: string[], name: string) {
  let end!: () => void
  let fail!: (e: Error) => void
  const done = new Promise<string>((resolve, reject) => {
    end = () => resolve(name)
    fail = reject
  })
  return {
    send: () => {
      log.push(name)
      return done
    },
    end,
    fail,
  }
}

const flush = () => new Promise((r) => setImmediate(r))

describe('EngineTurns', () => {
  it('lets a read waiting behind writes go first, and never more than inEngine statements at once', async () => {
    const turns = new EngineTurns({ inEngine: 2, writeMaxWaitMs: 60_000 })
    const sent: string[] = []
    const [w1, w2, w3, w4, r1] = ['w1', 'w2', 'w3', 'w4', 'r1'].map((n) => statement(sent, n))
    const all = [turns.run('write', w1!.send), turns.run('write', w2!.send), turns.run('write', w3!.send), turns.run('write', w4!.send)]
    await flush()
    expect(sent).toEqual(['w1', 'w2'])
    all.push(turns.run('read', r1!.send))
    expect(turns.waiting).toEqual({ reads: 1, writes: 2 })
    w1!.end()
    await flush()
    // The read takes the free turn ahead of w3 and w4, which were waiting longer.
    expect(sent).toEqual(['w1', 'w2', 'r1'])
    r1!.end()
    w2!.end()
    await flush()
    expect(sent).toEqual(['w1', 'w2', 'r1', 'w3', 'w4'])
    w3!.end()
    w4!.end()
    expect(await Promise.all(all)).toEqual(['w1', 'w2', 'w3', 'w4', 'r1'])
    expect(turns.waiting).toEqual({ reads: 0, writes: 0 })
  })

  it('gives a write its turn once it has waited writeMaxWaitMs, however many reads wait', async () => {
    let now = 0
    const turns = new EngineTurns({ inEngine: 1, writeMaxWaitMs: 1_000, now: () => now })
    const sent: string[] = []
    const [r0, w1, r1, r2] = ['r0', 'w1', 'r1', 'r2'].map((n) => statement(sent, n))
    const all = [turns.run('read', r0!.send), turns.run('write', w1!.send), turns.run('read', r1!.send), turns.run('read', r2!.send)]
    await flush()
    now = 999
    r0!.end()
    await flush()
    expect(sent).toEqual(['r0', 'r1'])
    now = 1_000
    r1!.end()
    await flush()
    expect(sent).toEqual(['r0', 'r1', 'w1'])
    w1!.end()
    await flush()
    r2!.end()
    await Promise.all(all)
    expect(sent).toEqual(['r0', 'r1', 'w1', 'r2'])
  })

  it('passes the turn on when a statement fails, and the failure to its caller', async () => {
    const turns = new EngineTurns({ inEngine: 1 })
    const sent: string[] = []
    const [bad, next] = ['bad', 'next'].map((n) => statement(sent, n))
    const failed = turns.run('write', bad!.send)
    const after = turns.run('read', next!.send)
    await flush()
    bad!.fail(new Error('engine said no'))
    await expect(failed).rejects.toThrow('engine said no')
    await flush()
    next!.end()
    await expect(after).resolves.toBe('next')
    // A throw before any promise exists passes the turn on too.
    await expect(turns.run('read', () => Promise.reject(new Error('at once')))).rejects.toThrow('at once')
    await expect(turns.run('read', async () => 'free')).resolves.toBe('free')
  })
})

describe('the exec seam on chDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-turns-'))
  const ch = createClickHouse({ database: 'turns', dataDir: dir })
  afterAll(async () => {
    await ch.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('answers a read sent behind a queue of inserts before the inserts sent ahead of it', async () => {
    // No write deadline: under a loaded machine an insert can take the second a write may wait.
    ch.turns = new EngineTurns({ writeMaxWaitMs: 60_000 })
    await chCommand(ch, { name: 'test.db', sql: 'CREATE DATABASE IF NOT EXISTS turns' })
    await chCommand(ch, { name: 'test.table', sql: 'CREATE TABLE turns.t (n UInt64, s String) ENGINE = MergeTree ORDER BY n' })
    const finished: string[] = []
    const rows = Array.from({ length: 200_000 }, (_, n) => ({ n, s: `row ${n} ${'x'.repeat(40)}` }))
    const inserts = Array.from({ length: 6 }, (_, i) => chInsert(ch, { table: 't', rows }).then(() => finished.push(`insert ${i}`)))
    const read = chQuery<{ one: number }>(ch, { name: 'test.one', sql: 'SELECT 1 AS one' }).then((r) => finished.push(`read ${r.rows[0]!.one}`))
    await Promise.all([...inserts, read])
    // Sent in order, the read would have been answered last (chDB runs statements one at a time).
    expect(finished.indexOf('read 1')).toBeLessThanOrEqual(2)
    const { rows: count } = await chQuery<{ n: number }>(ch, { name: 'test.count', sql: 'SELECT count() AS n FROM turns.t' })
    expect(count[0]!.n).toBe(1_200_000)
  })
})
