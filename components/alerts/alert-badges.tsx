import { ALERT_SEVERITY_INFO, ALERT_STATE_INFO, type AlertSeverity, type AlertState } from '@/server/domain/alerts'
import { Badge } from '../ui/state-badge'

/** info / warning / critical: word, icon and colour. */
export function SeverityBadge({ severity }: { severity: AlertSeverity }) {
  const info = ALERT_SEVERITY_INFO[severity]
  return <Badge tone={info.tone} icon={info.icon} label={info.label} title={info.description} testId="alert-severity" />
}

/** firing / acknowledged / resolved. */
export function AlertStateBadge({ state }: { state: AlertState }) {
  const info = ALERT_STATE_INFO[state]
  return <Badge tone={info.tone} icon={info.icon} label={info.label} title={info.description} testId="alert-state" />
}
