import { ALERT_SEVERITY_INFO, ALERT_STATE_INFO, type AlertSeverity, type AlertState } from '@/server/domain/alerts'
import type { Tone } from '@/server/domain/txn-state'
import { TONE_CLASSES } from '../ui/state-badge'

function Badge({ tone, icon, label, title, testId }: { tone: Tone; icon: string; label: string; title: string; testId: string }) {
  return (
    <span
      title={title}
      data-testid={testId}
      className={`inline-flex items-center gap-1 whitespace-nowrap rounded border px-1.5 py-0.5 text-xs font-medium ${TONE_CLASSES[tone]}`}
    >
      <span aria-hidden="true">{icon}</span>
      {label}
    </span>
  )
}

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
