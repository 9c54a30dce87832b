import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import type { DryRunReport } from '@/server/domain/replays'
import { DryRunSummary } from './dry-run-summary'

function makeReport(byTarget: DryRunReport['byTarget']): DryRunReport {
  return {
    selected: 1_204,
    replayable: 1_200,
    byTarget,
    notReplayable: [],
    duplicateRisk: [],
    orderingRisk: [],
    edits: [],
    approval: { required: false, why: null, plants: [] },
    force: { requested: false, allowed: false, forcedRecords: 0 },
    ratePerSecond: 50,
    etaSeconds: 24,
    deadLetterIds: [],
    listLimit: 200,
    truncated: { notReplayable: 0, duplicateRisk: 0, orderingRisk: 0 },
  }
}

describe('DryRunSummary', () => {
  it('shows the replayable count and one target-row per target topic, topic then count', () => {
    const html = renderToStaticMarkup(<DryRunSummary report={makeReport([{ topic: 'lt.hub.1000.in', count: 1_200 }])} />)
    expect(html).toMatch(/data-testid="replayable-count"[^>]*>1,200</)
    const rows = [...html.matchAll(/<tr [^>]*data-testid="target-row"[^>]*>(.*?)<\/tr>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''))
    expect(rows).toEqual(['lt.hub.1000.in1,200'])
  })
})
