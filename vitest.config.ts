import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: { alias: { '@': fileURLToPath(new URL('.', import.meta.url)) } },
  test: {
    include: ['{app,server,ingest,simulator,components,scripts,bench}/**/*.test.{ts,tsx}'],
    environment: 'node',
    globalSetup: ['server/bus/testing/kafka-global-setup.ts'],
    // chDB and PGlite are heavy; two cores do not gain from many workers.
    maxWorkers: 2,
    env: { LOG_LEVEL: 'error' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
