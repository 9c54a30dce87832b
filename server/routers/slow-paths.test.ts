import { describe, expect, it } from 'vitest'
import { slowProcedurePaths } from './slow-paths'

describe('slowProcedurePaths', () => {
  it('lists exactly the procedures whose meta says slow', () => {
    expect(slowProcedurePaths()).toEqual([
      'admin.otlp.services',
      'kpis.overview',
      'kpis.plant',
      'overview.hopCounts',
      'reconciliation.summary',
      'reconciliation.transactions',
      'replays.create',
      'replays.dryRun',
      'replays.editContext',
      'taps.preview',
      'traces.get',
      'traces.payload',
      'traces.search',
    ])
  })

  it('leaves out procedures without the flag, even beside slow ones', () => {
    const slow = slowProcedurePaths()
    for (const path of ['kpis.targets', 'kpis.setTarget', 'replays.list', 'replays.get', 'me.get', 'plants.list']) expect(slow).not.toContain(path)
  })
})
