import { describe, expect, it } from 'vitest'
import type { ClickHouse } from '../../server/clickhouse/client'
import { freshnessSettings } from './freshness'
import { InsertAcks } from './visibility'

type QueryAsync = NonNullable<ClickHouse['chdb']>['queryAsync']

/** A ClickHouse handle whose chDB statements go to `queryAsync` (nothing else is touched by InsertAcks). */
function fakeClickHouse(queryAsync: QueryAsync): ClickHouse {
  return { database: 'lt', mode: 'embedded', chdb: { queryAsync } } as unknown as ClickHouse
}
const summary = {} as Awaited<ReturnType<QueryAsync>>
/** An insert as chInsert sends it on chDB. */
const insertOf = (table: string, token?: string) =>
  `INSERT INTO ${table} (event_id) SETTINGS deduplicate_blocks_in_dependent_materialized_views = 1${token === undefined ? '' : `, insert_deduplication_token = '${token}'`}, async_insert = 0 SELECT * FROM file('/spool/1.native', Native)`

describe('InsertAcks', () => {
  it('finds the acknowledgement of the range holding an offset, whatever order ranges were acknowledged in', () => {
    const acks = new InsertAcks('bench.t')
    acks.note('bench.t:2:100-199', 3_000)
    acks.note('bench.t:2:0-99', 1_000)
    acks.note('bench.t:2:200-200', 4_000)
    acks.note('bench.t:5:0-9', 9_000)
    expect([0, 99, 100, 199, 200].map((o) => acks.ackedAt(2, o, Infinity))).toEqual([1_000, 1_000, 3_000, 3_000, 4_000])
    expect(acks.ackedAt(5, 3, Infinity)).toBe(9_000)
  })

  it('knows nothing of offsets outside every range, other partitions and other topics', () => {
    const acks = new InsertAcks('bench.t')
    acks.note('bench.t:2:10-19', 1_000)
    acks.note('other.t:2:20-29', 2_000)
    expect(acks.ackedAt(2, 9, Infinity)).toBeUndefined()
    expect(acks.ackedAt(2, 20, Infinity)).toBeUndefined()
    expect(acks.ackedAt(2, 25, Infinity)).toBeUndefined()
    expect(acks.ackedAt(3, 15, Infinity)).toBeUndefined()
    expect(acks.count).toBe(1)
  })

  it('gives a row no range insert holds the first combined insert acknowledged at or after the engine stamped it', () => {
    const acks = new InsertAcks('bench.t')
    acks.note('coalesced:abc:0', 1_000)
    acks.note('coalesced:abc:1', 2_000)
    acks.note('bench.t:2:10-19', 1_500)
    expect(acks.ackedAt(2, 5, 900)).toBe(1_000)
    expect(acks.ackedAt(2, 5, 1_000)).toBe(1_000)
    expect(acks.ackedAt(2, 5, 1_001)).toBe(2_000)
    expect(acks.ackedAt(2, 5, 2_001)).toBeUndefined()
    // A range insert's acknowledgement wins over a combined one.
    expect(acks.ackedAt(2, 12, 900)).toBe(1_500)
    expect(acks.count).toBe(3)
  })

  it('keeps the first acknowledgement of a range inserted again (a retry deduplicated by its token)', () => {
    const acks = new InsertAcks('bench.t')
    acks.note('bench.t:0:0-9', 1_000)
    expect(acks.ackedAt(0, 5, Infinity)).toBe(1_000)
    acks.note('bench.t:0:0-9', 5_000)
    expect(acks.ackedAt(0, 5, Infinity)).toBe(1_000)
  })

  it('notes hop_events inserts once the engine resolved them, not other tables nor failed inserts', async () => {
    const acks = new InsertAcks('bench.t')
    let resolveInsert!: () => void
    const ch = acks.observe(
      fakeClickHouse((sql) =>
        sql === insertOf('lt.hop_events', 'bench.t:1:50-59')
          ? Promise.reject(new Error('engine down'))
          : new Promise((resolve) => (resolveInsert = () => resolve(summary))),
      ),
    )
    const pending = ch.chdb!.queryAsync(insertOf('lt.hop_events', 'bench.t:1:0-9'))
    expect(acks.ackedAt(1, 5, Infinity)).toBeUndefined()
    const before = Date.now()
    resolveInsert()
    await pending
    expect(acks.ackedAt(1, 5, Infinity)).toBeGreaterThanOrEqual(before)

    const payloads = ch.chdb!.queryAsync(insertOf('lt.hop_payloads', 'bench.t:1:10-19'))
    resolveInsert()
    await payloads
    await expect(ch.chdb!.queryAsync(insertOf('lt.hop_events', 'bench.t:1:50-59'))).rejects.toThrow('engine down')
    expect(acks.ackedAt(1, 15, Infinity)).toBeUndefined()
    expect(acks.ackedAt(1, 55, Infinity)).toBeUndefined()
    expect(acks.count).toBe(1)
  })

  it('refuses a ClickHouse server handle: only chDB inserts are observed', () => {
    expect(() => new InsertAcks('bench.t').observe({ database: 'lt', mode: 'server' } as unknown as ClickHouse)).toThrow(/ClickHouse server/)
  })
})

describe('freshnessSettings', () => {
  it('defaults to 5,000/s and 80 % of the pipeline, 30 s measured after 10 s of warm-up', () => {
    expect(freshnessSettings({})).toEqual({ rate: 5_000, share: 0.8, seconds: 30, warmupSeconds: 10, drainSeconds: 120 })
  })

  it('reads every BENCH_FRESHNESS_* variable and names the one that is not a positive number', () => {
    const env = { BENCH_FRESHNESS_RATE: '2000', BENCH_FRESHNESS_SHARE: '0.5', BENCH_FRESHNESS_SECONDS: '8', BENCH_FRESHNESS_WARMUP_S: '3', BENCH_FRESHNESS_DRAIN_S: '20' }
    expect(freshnessSettings(env)).toEqual({ rate: 2_000, share: 0.5, seconds: 8, warmupSeconds: 3, drainSeconds: 20 })
    expect(() => freshnessSettings({ BENCH_FRESHNESS_SECONDS: '0' })).toThrow(/BENCH_FRESHNESS_SECONDS must be a positive number, got "0"/)
    expect(() => freshnessSettings({ BENCH_FRESHNESS_RATE: 'fast' })).toThrow(/BENCH_FRESHNESS_RATE/)
  })
})
