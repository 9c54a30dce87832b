import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClickHouse, type ClickHouse } from '../../server/clickhouse/client'
import { chCommand, chQuery } from '../../server/clickhouse/exec'
import { fromChDateTime } from '../../server/domain/ch-time'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { traceByCorrelationId, txnsByKey, type KeyType } from '../../server/clickhouse/queries/trace'
import { metrics as appMetrics } from '../../server/metrics'
import { percentile } from '../percentile'
import type { BenchResult } from '../suites'
import { FLOW_A } from '../ingest/events'

/**
 * Trace lookups on chDB against the budgets of CLICKHOUSE.md (10M hop events): by correlation id
 * (the deep link's point read, pruned by origin_time, and without the time hint), and by work
 * order and lot (txn_keys range read, then the hop_events read of the newest match). Data is
 * generated inside ClickHouse (INSERT … SELECT FROM numbers()), through the real materialized views.
 * Size: `npm run bench -- traces --rows=1000000` or BENCH_TRACES_ROWS.
 */

const HOPS_PER_TXN = FLOW_A.length
const PLANTS = ['1000', '1100', '2000', '2100', '3000']
const DAYS = 30
const LOOKUPS = Number(process.env.BENCH_TRACES_LOOKUPS ?? 200)
const CHUNK_TXNS = 250_000

function rowsParam(): number {
  const arg = process.argv.find((a) => a.startsWith('--rows='))
  const n = Number(arg ? arg.slice('--rows='.length) : (process.env.BENCH_TRACES_ROWS ?? 10_000_000))
  if (!Number.isInteger(n) || n < HOPS_PER_TXN) throw new Error(`--rows must be an integer ≥ ${HOPS_PER_TXN}, got ${arg}`)
  return n
}

/** Transaction `txn` (0-based) of the generated data set: deterministic, so lookups know their keys. */
export function benchTxn(txn: number, base: number, spacingMs: number) {
  return {
    correlationId: `bt-${PLANTS[txn % PLANTS.length]}-${txn}`,
    originTime: new Date(base + txn * spacingMs),
    workOrder: String(155_000_000_000 + txn),
    lot: String(txn).padStart(10, '0'),
  }
}

async function generate(ch: ClickHouse, txns: number, base: number, spacingMs: number): Promise<void> {
  const types = `[${FLOW_A.map(([t]) => `'${t}'`).join(', ')}]`
  const hops = `[${FLOW_A.map(([, h]) => `'${h}'`).join(', ')}]`
  const plants = `[${PLANTS.map((p) => `'${p}'`).join(', ')}]`
  for (let start = 0; start < txns; start += CHUNK_TXNS) {
    const n = Math.min(CHUNK_TXNS, txns - start)
    await chCommand(ch, {
      name: 'bench.traces.generate',
      sql: `INSERT INTO ${ch.database}.hop_events
              (event_id, event_type, occurred_at, origin_time, correlation_id, flow, hop, status, plant, line,
               work_order, material, lot, erp_document, attempt, latency_ms, src_topic, src_partition, src_offset)
            SELECT
              concat(cid, '-', toString(h)) AS event_id,
              ${types}[h + 1] AS event_type,
              origin + toIntervalMillisecond(h * 700 + (txn % 997)) AS occurred_at,
              origin AS origin_time,
              cid AS correlation_id,
              'production_confirmation' AS flow,
              ${hops}[h + 1] AS hop,
              'ok' AS status,
              plant,
              concat('L0', toString(txn % 8)) AS line,
              toString(155000000000 + txn) AS work_order,
              concat('FG', toString(10000 + txn % 50)) AS material,
              leftPad(toString(txn), 10, '0') AS lot,
              if(h = 6, toString(4900000000 + txn), '') AS erp_document,
              if(h IN (5, 6), 1, 0) AS attempt,
              toUInt32(50 + (txn * 7 + h) % 900) AS latency_ms,
              'bench' AS src_topic,
              toInt32(txn % 6) AS src_partition,
              toInt64(txn * ${HOPS_PER_TXN} + h) AS src_offset
            FROM (
              SELECT number + ${start} AS txn, ${plants}[(txn % ${PLANTS.length}) + 1] AS plant,
                     concat('bt-', plant, '-', toString(txn)) AS cid,
                     toDateTime64(${base / 1000}, 3, 'UTC') + toIntervalMillisecond(txn * ${spacingMs}) AS origin
              FROM numbers(${n})
            ) ARRAY JOIN range(${HOPS_PER_TXN}) AS h
            SETTINGS max_partitions_per_insert_block = 1000`,
    })
  }
}

async function rowsReadTotal(query: string): Promise<number> {
  const m = await appMetrics().clickhouseRowsRead.get()
  return m.values.filter((v) => v.labels.query === query).reduce((s, v) => s + v.value, 0)
}

interface Measured {
  p50: number
  p95: number
  rowsReadMean: number
}

async function measure(queries: string[], run: (i: number) => Promise<void>): Promise<Measured> {
  const before = await Promise.all(queries.map(rowsReadTotal))
  const times: number[] = []
  for (let i = 0; i < LOOKUPS; i++) {
    const t0 = performance.now()
    await run(i)
    times.push(performance.now() - t0)
  }
  const after = await Promise.all(queries.map(rowsReadTotal))
  times.sort((a, b) => a - b)
  const read = after.reduce((s, v, i) => s + v - before[i]!, 0)
  return { p50: round(percentile(times, 0.5)), p95: round(percentile(times, 0.95)), rowsReadMean: Math.round(read / LOOKUPS) }
}

const round = (n: number) => Math.round(n * 10) / 10

export async function tracesSuite(): Promise<BenchResult> {
  const rows = rowsParam()
  const txns = Math.floor(rows / HOPS_PER_TXN)
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-traces-'))
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  const now = Date.now()
  const base = now - DAYS * 24 * 3_600_000
  const spacingMs = Math.max(1, Math.floor((DAYS * 24 * 3_600_000) / txns))
  // Pseudo-random but reproducible picks across the whole range (a multiplicative hash).
  const pick = (i: number) => benchTxn((i * 2_654_435_761) % txns, base, spacingMs)
  const window = { from: new Date(base - 1), to: new Date(now + 1) }
  try {
    await migrateClickHouse(ch)
    // The dashboard rollups play no part in trace lookups and cost most of the generation time.
    for (const mv of ['flow_kpi_counts_1m_mv', 'flow_kpi_counts_1h_mv', 'e2e_kpi_1h_mv'])
      await chCommand(ch, { name: 'bench.traces.dropRollup', sql: `DROP VIEW IF EXISTS ${ch.database}.${mv}` })
    const g0 = performance.now()
    await generate(ch, txns, base, spacingMs)
    const generateS = (performance.now() - g0) / 1000
    // Let background merges settle a little so parts resemble a steady state, not one part per chunk.
    await chCommand(ch, { name: 'bench.traces.optimize', sql: `OPTIMIZE TABLE ${ch.database}.txn_keys FINAL` })
    await chCommand(ch, { name: 'bench.traces.optimize', sql: `OPTIMIZE TABLE ${ch.database}.hop_events FINAL` })

    const check = await traceByCorrelationId(ch, { correlationId: pick(1).correlationId, ...window })
    if (check.length !== HOPS_PER_TXN) throw new Error(`generated data is wrong: ${check.length} hops for ${pick(1).correlationId}`)

    // Each measurement looks up transactions of its own (offset picks): ClickHouse's query condition
    // cache would otherwise make a repeated lookup of the same key read fewer rows than a cold one.
    const byCidLink = await measure(['trace.byCorrelationId'], async (i) => {
      const t = pick(i)
      await traceByCorrelationId(ch, { correlationId: t.correlationId, from: new Date(t.originTime.getTime() - 1_000), to: new Date(t.originTime.getTime() + 1_000) })
    })
    const byCid30d = await measure(['trace.byCorrelationId'], async (i) => {
      await traceByCorrelationId(ch, { correlationId: pick(i + LOOKUPS).correlationId, ...window })
    })
    const byKey = (keyType: KeyType, value: (t: ReturnType<typeof pick>) => string, offset: number) =>
      measure(['trace.txnsByKey', 'trace.byCorrelationId'], async (i) => {
        const t = pick(i + offset)
        const refs = await txnsByKey(ch, { keyType, keyValue: value(t), ...window, limit: 100 })
        const newest = refs[0]
        if (!newest) throw new Error(`no transaction found for ${keyType} ${value(t)}`)
        const at = fromChDateTime(newest.origin_time)
        await traceByCorrelationId(ch, { correlationId: newest.correlation_id, from: at, to: new Date(at.getTime() + 1) })
      })
    const byWorkOrder = await byKey('work_order', (t) => t.workOrder, 2 * LOOKUPS)
    const byLot = await byKey('lot', (t) => t.lot, 3 * LOOKUPS)

    // Baseline for migration 0003 (bloom-filter skip index on txn_keys.key_value): the same key
    // lookup on a copy of txn_keys without the index, so both are measured in this run.
    await chCommand(ch, { name: 'bench.traces.keysCopy', sql: `CREATE TABLE ${ch.database}.txn_keys_no_skip AS ${ch.database}.txn_keys` })
    await chCommand(ch, { name: 'bench.traces.keysCopy', sql: `ALTER TABLE ${ch.database}.txn_keys_no_skip DROP INDEX IF EXISTS key_value_bloom` })
    await chCommand(ch, { name: 'bench.traces.keysCopy', sql: `INSERT INTO ${ch.database}.txn_keys_no_skip SELECT * FROM ${ch.database}.txn_keys` })
    const keyOnly = (table: string, offset: number) =>
      measure([`bench.traces.key_${table}`], async (i) => {
        await chQuery(ch, {
          name: `bench.traces.key_${table}`,
          sql: `SELECT correlation_id, origin_time, plant FROM ${ch.database}.${table}
                WHERE key_type IN {kts:Array(String)} AND key_value = {kv:String}
                  AND origin_time >= {from:DateTime64(3, 'UTC')} AND origin_time < {to:DateTime64(3, 'UTC')}
                ORDER BY origin_time DESC, correlation_id LIMIT 1 BY correlation_id LIMIT 100`,
          params: { kts: ['lot'], kv: pick(i + offset).lot, ...window },
        })
      })
    const lotKeysSkipIndex = await keyOnly('txn_keys', 4 * LOOKUPS)
    const lotKeysNoSkipIndex = await keyOnly('txn_keys_no_skip', 5 * LOOKUPS)

    const targets = { correlationIdP95Ms: 50, correlationIdRowsRead: 100_000, businessKeyP95Ms: 100 }
    const meets = byCidLink.p95 < 50 && byCidLink.rowsReadMean < 100_000 && byWorkOrder.p95 < 100 && byLot.p95 < 100
    const row = (name: string, m: Measured, budget: string) => [name, m.p50, m.p95, m.rowsReadMean, budget]
    return {
      params: { rows: txns * HOPS_PER_TXN, transactions: txns, hopsPerTransaction: HOPS_PER_TXN, plants: PLANTS.length, days: DAYS, lookups: LOOKUPS },
      metrics: { generateSeconds: round(generateS), byCorrelationIdLink: byCidLink, byCorrelationId30d: byCid30d, byWorkOrder, byLot, lotKeysSkipIndex, lotKeysNoSkipIndex, skipIndexRowsReadRatio: Math.round((lotKeysSkipIndex.rowsReadMean / lotKeysNoSkipIndex.rowsReadMean) * 100) / 100, loadAverage: loadavg().map(round) },
      targets,
      meetsTargets: meets,
      table: [
        ['lookup', 'p50 ms', 'p95 ms', 'rows read (mean)', 'budget'],
        row('correlation id (deep link with t)', byCidLink, 'p95 < 50 ms, < 100k rows'),
        row('correlation id (30 days, no t)', byCid30d, 'p95 < 50 ms, < 100k rows'),
        row('work order → trace', byWorkOrder, 'p95 < 100 ms'),
        row('lot → trace', byLot, 'p95 < 100 ms'),
        row('lot key only, txn_keys (bloom skip index, migration 0003)', lotKeysSkipIndex, 'chosen'),
        row('lot key only, copy without the skip index', lotKeysNoSkipIndex, 'baseline'),
      ],
      notes: [
        `${txns * HOPS_PER_TXN} hop events generated in ${round(generateS)} s through the materialized views (txn_keys, txn_summary, rollups).`,
        'Times are wall-clock through the app exec seam (chDB in-process); rows read come from the FORMAT JSON statistics.',
        `Load average at the end (1/5/15 min): ${loadavg().map(round).join(' / ')} on this machine, shared with other work: p95 is noisy.`,
        'Without a skip index a key lookup reads one granule per weekly part even where the key is absent; the bloom filter of migration 0003 skips those (compare the last two rows).',
        'Dashboard rollup views (flow_kpi_*, e2e_kpi_1h) are dropped before generating: they are not read by trace lookups.',
      ],
    }
  } finally {
    await ch.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
