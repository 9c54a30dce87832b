import { ALERT_KPI_INFO, flowWords, formatAlertValue, type AlertParamsByKind, type AlertRuleKind } from '../../domain/alerts'

/** A rule's default name: what it watches, in words, with its bound. */
export function ruleName(kind: AlertRuleKind, flow: string, line: string | null, params: unknown): string {
  const where = `${flow === '*' ? '' : ` (${flowWords(flow)})`}${line ? ` line ${line}` : ''}`
  switch (kind) {
    case 'kpi_sla': {
      const p = params as AlertParamsByKind['kpi_sla']
      const info = ALERT_KPI_INFO[p.kpi]
      const bound = p.threshold === undefined ? 'SLA' : formatAlertValue(p.threshold, info.unit)
      return `${info.label} ${info.direction === 'max' ? 'above' : 'below'} ${bound}${where}`
    }
    case 'dead_letter_backlog': {
      const p = params as AlertParamsByKind['dead_letter_backlog']
      const parts = [
        p.maxOpen !== undefined ? `more than ${formatAlertValue(p.maxOpen, 'count')} open` : '',
        p.maxOldestAgeMinutes !== undefined ? `oldest over ${formatAlertValue(p.maxOldestAgeMinutes, 'min')}` : '',
      ].filter(Boolean)
      return `Dead letters: ${parts.join(' or ')}${where}`
    }
    case 'stuck_transactions': {
      const p = params as AlertParamsByKind['stuck_transactions']
      return `${p.minCount > 1 ? `${p.minCount}+ stuck transactions` : 'Stuck transactions'}${p.stuckForMinutes ? ` beyond SLA + ${p.stuckForMinutes} min` : ''}${where}`
    }
    case 'ingest_freshness': {
      const p = params as AlertParamsByKind['ingest_freshness']
      return `Telemetry older than ${formatAlertValue(p.maxFreshnessSeconds, 's')}${p.maxLag ? ` or lag above ${formatAlertValue(p.maxLag, 'count')}` : ''}`
    }
    case 'no_posting': {
      const p = params as AlertParamsByKind['no_posting']
      return `No ${flowWords(flow)} posting for ${p.minutes} min during shifts${line ? ` (line ${line})` : ''}`
    }
  }
}
