import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createClickHouse, type ClickHouse } from '../client'

/**
 * A chDB engine in a fresh temp directory for one test file. chDB binds one data directory per
 * process and vitest runs each test file in its own process, so: one call per file (beforeAll),
 * `dispose()` in afterAll.
 */
export function openTestClickHouse(prefix: string, database = 'linetrace'): { ch: ClickHouse; dataDir: string; dispose(): Promise<void> } {
  const dataDir = mkdtempSync(path.join(tmpdir(), `lt-${prefix}-`))
  const ch = createClickHouse({ database, dataDir })
  return {
    ch,
    dataDir,
    async dispose() {
      await ch.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/** The same engine seen through another database name (shares the client). */
export function withDatabase(ch: ClickHouse, database: string): ClickHouse {
  return { ...ch, database }
}
