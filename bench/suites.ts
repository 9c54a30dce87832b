import { alertsSuite } from './alerts/suite'
import { dashboardsSuite } from './dashboards/suite'
import { idleSuite } from './idle/suite'
import { ingestSuite } from './ingest/suite'
import { otlpSuite } from './otlp/suite'
import { reconciliationSuite } from './reconciliation/suite'
import { replaySuite } from './replay/suite'
import { tapsSuite } from './taps/suite'
import { tracesSuite } from './traces/suite'

export interface BenchResult {
  params: Record<string, unknown>
  metrics: Record<string, unknown>
  targets?: Record<string, number>
  meetsTargets?: boolean
  /** First row is the header. */
  table: (string | number)[][]
  notes?: string[]
}

export const SUITES: Record<string, () => Promise<BenchResult>> = {
  ingest: ingestSuite,
  alerts: alertsSuite,
  replay: replaySuite,
  traces: tracesSuite,
  dashboards: dashboardsSuite,
  reconciliation: reconciliationSuite,
  otlp: otlpSuite,
  idle: idleSuite,
  taps: tapsSuite,
}
