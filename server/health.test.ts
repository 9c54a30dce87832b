import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkHealth } from './health'
import type { Runtime } from './runtime'
import { startTestRuntime } from './testing/runtime'

let runtime: Runtime
let stop: () => Promise<void>

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
})
afterAll(() => stop?.())

describe('checkHealth', () => {
  it('lists the taps as the worker reported them, without their error texts (the endpoint is public)', async () => {
    expect((await checkHealth(runtime)).taps).toEqual([])
    await runtime.db.prisma.tapStatus.createMany({
      data: [
        { name: 'mes-confirmations', origin: 'file', state: 'running', mapped: 1200n, failed: 3n, recordsPerSecond: 41.5, lag: 7n, lastError: 'plant: "L2 plant" must be an ERP plant code' },
        { name: 'erp-acks', origin: 'database', state: 'paused', pausedReason: '600 of the last 1000 records failed to map', failed: 600n },
      ],
    })
    const health = await checkHealth(runtime)
    expect(health.taps).toEqual([
      { name: 'erp-acks', state: 'paused', paused: true, mapped: 0, failed: 600, records_per_second: 0, lag: 0, updated_at: expect.any(String) },
      { name: 'mes-confirmations', state: 'running', paused: false, mapped: 1200, failed: 3, records_per_second: 41.5, lag: 7, updated_at: expect.any(String) },
    ])
    expect(JSON.stringify(health)).not.toContain('L2 plant')
    expect(health.status, 'a paused tap is the tap’s problem, not the console’s').toBe('ok')
  })
})
