import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'
import { DEMO_ADMIN_TOKEN } from './e2e/helpers'

const port = Number(process.env.E2E_PORT ?? 3217)
// 127.0.0.1, not localhost: the server listens on IPv4 loopback only (HOST), and localhost may resolve to ::1.
const baseURL = `http://127.0.0.1:${port}`
// Debian's Chromium: Playwright cannot download its own browser on these machines.
const debianChromium = '/usr/bin/chromium'

export default defineConfig({
  testDir: 'e2e',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: existsSync(debianChromium) ? debianChromium : undefined,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
    },
  },
  webServer: {
    // The real product, as a user starts it: builds when needed, migrates, seeds the demo, serves.
    command: 'npm start',
    url: `${baseURL}/api/health`,
    timeout: 420_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      PORT: String(port),
      DATA_DIR: process.env.E2E_DATA_DIR ?? join(tmpdir(), `linetrace-e2e-${port}`),
      // The embedded demo as a user gets it, on the month-start scenario: every posting fails
      // "period closed" (M7/053) until the period opens (plant 1000's after 1 minute, then company
      // codes 5 min apart), so the journeys find dead letters, posted transactions and replays.
      SIMULATOR: 'on',
      SIMULATOR_SCENARIO: 'month-start',
      SIMULATOR_PERIOD_OPENS_AFTER: '1',
      SIMULATOR_SEED: '7',
      // The journeys start from a fresh demo (no history, "no previous data"): no week of backfill.
      SIMULATOR_BACKFILL: '0',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      ADMIN_API_TOKEN: DEMO_ADMIN_TOKEN,
    },
  },
})
