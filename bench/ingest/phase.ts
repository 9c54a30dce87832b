import { readFileSync } from 'node:fs'
import { createClickHouse, type ClickHouse } from '../../server/clickhouse/client'
import { migrateClickHouse } from '../../server/clickhouse/migrate'
import { createDb, type Db } from '../../server/db/client'

/**
 * What the ingest-path bench children share (bench/ingest/child.ts, bench/otlp/child.ts): each
 * measured phase runs in a process of its own, so its peak RSS is its own, on fresh stores.
 */

/** The process's peak resident set (VmHWM), in MiB. */
export function peakRssMiB(): number {
  const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'))
  return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : Math.round(process.memoryUsage().rss / 2 ** 20)
}

/** A migrated chDB and an in-memory embedded Postgres (checkpoints, plants) under `dataDir`. */
export async function openStores(dataDir: string): Promise<{ ch: ClickHouse; db: Db; close(): Promise<void> }> {
  const ch = createClickHouse({ database: 'linetrace', dataDir })
  await migrateClickHouse(ch)
  const db = await createDb({ dataDir, inMemory: true })
  await db.migrate()
  return {
    ch,
    db,
    async close() {
      await db.close()
      await ch.close()
    },
  }
}
