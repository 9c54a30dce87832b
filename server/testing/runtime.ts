import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../config'
import { createRuntime, installRuntime, closeRuntime, type Runtime } from '../runtime'
import { seedDemo } from '../services/plants/seed'

/**
 * A complete embedded runtime (chDB + PGlite) in a fresh temp directory, seeded with the demo plants
 * and users, installed as this process's runtime. One per test file: chDB binds one directory per process.
 */
export async function startTestRuntime(env: Record<string, string> = {}): Promise<{ runtime: Runtime; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linetrace-test-'))
  const runtime = await createRuntime(loadConfig({ DATA_DIR: dataDir, ...env }))
  installRuntime(runtime)
  await seedDemo(runtime.db.prisma)
  return {
    runtime,
    async stop() {
      await closeRuntime()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
