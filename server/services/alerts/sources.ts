import type { ClickHouse } from '../../clickhouse/client'
import { firstPassCounts, plantNewestEvent, stuckTransactions, type StuckCount } from '../../clickhouse/queries/alerts'
import { e2eLatency, flowKpi, type FlowKpiRow } from '../../clickhouse/queries/kpi'
import type { TxnStateParams } from '../../clickhouse/queries/txn-state'
import type { PrismaClient } from '../../db/client'
import type { AlertKpi } from '../../domain/alerts'
import { OPEN_DEAD_LETTER_STATUSES } from '../../domain/dead-letters'
import { localIngestStatus } from '../../ingest-status'
import { deadLetterWhere } from '../dead-letter-query'

/**
 * What alert conditions read, behind small interfaces so a condition never knows where a number
 * comes from. `KpiSource` is the seam to the dashboards' KPI service: today it answers from the
 * rollups directly (e2e_kpi_1h, txn_summary, flow_kpi_1m); point `createAlertSources({ kpi })` at
 * the KPI service once it exists and every kpi_sla rule follows.
 */

export interface KpiScope {
  plant: string
  /** A flow, or '*' for every flow of the plant. */
  flow: string
  from: Date
  to: Date
}

export interface KpiReading {
  /** The flow the value is about; '*' when it covers every flow. */
  flow: string
  /** null when nothing was measured (no transaction in the window). */
  value: number | null
  /** Transactions (or posting requests) behind the value. */
  samples: number
}

export interface KpiSource {
  /**
   * A KPI of the plant over [from, to). Latency answers per flow (quantiles do not add up across
   * flows, and each flow has its own SLA); rates answer once for the scope.
   */
  read(kpi: AlertKpi, scope: KpiScope): Promise<KpiReading[]>
}

export interface AlertSources {
  kpi: KpiSource
  /** Open dead letters of the plant (and flow) and when the oldest was dead-lettered. */
  deadLetters(plant: string, flow: string): Promise<{ open: number; oldest: Date | null }>
  stuck(q: { plant: string; flow: string; line: string | null; from: Date; extraMs: number; state: TxnStateParams }): Promise<StuckCount>
  /** Occurrence time of the plant's newest hop event (transactions that started since `since`). */
  newestEvent(plant: string, since: Date): Promise<Date | null>
  /** The ingest consumer lag in records, when this process runs the worker. */
  ingestLag(): number | null
  /** Successful ERP postings of the plant (flow '*' = any, line null = any) in [from, to). */
  postings(q: { plant: string; flow: string; line: string | null; from: Date; to: Date }): Promise<number>
}

const matches = (flow: string) => (row: { flow?: string }) => flow === '*' || row.flow === flow

/** Minute rollups by hop, flow and line for one plant, shared by every rule of a tick (memoised). */
function minuteRollups(ch: ClickHouse) {
  const memo = new Map<string, Promise<FlowKpiRow[]>>()
  return (plant: string, from: Date, to: Date) => {
    const key = `${plant}|${from.getTime()}|${to.getTime()}`
    let rows = memo.get(key)
    if (!rows) {
      rows = flowKpi(ch, { plants: [plant], from, to, grain: '1m', by: ['hop', 'flow', 'line'], actor: { route: 'worker:alerts', user: 'system' } })
      memo.set(key, rows)
    }
    return rows
  }
}

export function clickHouseKpiSource(ch: ClickHouse): KpiSource {
  const rollups = minuteRollups(ch)
  return {
    async read(kpi, s) {
      switch (kpi) {
        case 'e2e_latency_p95': {
          // e2e_kpi_1h is keyed by origin hour: the window widens to the hours it overlaps.
          const rows = await e2eLatency(ch, { plants: [s.plant], from: s.from, to: s.to, actor: { route: 'worker:alerts', user: 'system' } })
          return rows.filter(matches(s.flow)).map((r) => ({ flow: r.flow, value: r.p95_ms / 1000, samples: r.transactions }))
        }
        case 'first_pass_success': {
          const c = await firstPassCounts(ch, s)
          return [{ flow: s.flow, value: c.settled ? (100 * c.firstAttemptOk) / c.settled : null, samples: c.settled }]
        }
        case 'technical_failure_rate': {
          const rows = (await rollups(s.plant, s.from, s.to)).filter((r) => r.hop === 'erp' && matches(s.flow)(r))
          const requests = rows.reduce((n, r) => n + r.posting_requests, 0)
          const technical = rows.reduce((n, r) => n + r.errors_transient, 0)
          return [{ flow: s.flow, value: requests ? (100 * technical) / requests : null, samples: requests }]
        }
      }
    },
  }
}

export function createAlertSources(deps: { prisma: PrismaClient; clickhouse: ClickHouse; kpi?: KpiSource; ingestLag?: () => number | null }): AlertSources {
  const { prisma, clickhouse: ch } = deps
  const rollups = minuteRollups(ch)
  return {
    kpi: deps.kpi ?? clickHouseKpiSource(ch),
    async deadLetters(plant, flow) {
      const where = deadLetterWhere({ status: [...OPEN_DEAD_LETTER_STATUSES], flow: flow === '*' ? undefined : [flow] }, [plant])
      const agg = await prisma.deadLetter.aggregate({ where, _count: { _all: true }, _min: { recordTimestamp: true } })
      return { open: agg._count._all, oldest: agg._min.recordTimestamp }
    },
    stuck: (q) => stuckTransactions(ch, q),
    newestEvent: (plant, since) => plantNewestEvent(ch, { plant, since }),
    ingestLag: deps.ingestLag ?? (() => localIngestStatus()?.lag ?? null),
    async postings(q) {
      const rows = await rollups(q.plant, q.from, q.to)
      return rows
        .filter((r) => r.hop === 'erp' && matches(q.flow)(r) && (q.line === null || r.line === q.line))
        .reduce((n, r) => n + r.posting_successes, 0)
    },
  }
}
