import { DEAD_LETTER_STATUS_INFO, type DeadLetterStatus } from '@/server/domain/dead-letters'
import { REPLAY_ITEM_STATUS_INFO, REPLAY_JOB_STATUS_INFO, type ReplayItemStatus, type ReplayJobStatus } from '@/server/domain/replays'
import { TXN_STATE_INFO, type Tone, type TxnState } from '@/server/domain/txn-state'

/** Colour per tone; the word and the icon carry the meaning too (UI.md). */
export const TONE_CLASSES: Readonly<Record<Tone, string>> = {
  ok: 'border-emerald-300 bg-emerald-50 text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200',
  neutral: 'border-slate-300 bg-slate-50 text-slate-700 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-300',
  warn: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200',
  partial: 'border-violet-300 bg-violet-50 text-violet-800 dark:border-violet-800 dark:bg-violet-950 dark:text-violet-200',
  bad: 'border-red-300 bg-red-50 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200',
}

/** The one badge: tone colour plus icon and word, so state never rests on colour alone. */
export function Badge({ tone, icon, label, title, testId }: { tone: Tone; icon: string; label: string; title: string; testId?: string }) {
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

/** A transaction's state: posted, in progress, retrying, waiting on dependency, partial, dead-lettered, stuck. */
export function TxnStateBadge({ state, replayed }: { state: TxnState; replayed?: boolean }) {
  const info = TXN_STATE_INFO[state]
  return (
    <Badge
      tone={info.tone}
      icon={info.icon}
      label={replayed && state === 'posted' ? `${info.label} (replayed)` : info.label}
      title={info.description}
      testId="txn-state"
    />
  )
}

/** A dead letter's triage state. */
export function DeadLetterStatusBadge({ status }: { status: DeadLetterStatus }) {
  const info = DEAD_LETTER_STATUS_INFO[status]
  return <Badge tone={info.tone} icon={info.icon} label={info.label} title={info.description} testId="dead-letter-status" />
}

/** A replay job's state: awaiting approval, queued, running, paused, completed, aborted, failed. */
export function ReplayJobStatusBadge({ status }: { status: ReplayJobStatus }) {
  const info = REPLAY_JOB_STATUS_INFO[status]
  return <Badge tone={info.tone} icon={info.icon} label={info.label} title={info.description} testId="replay-job-status" />
}

/** One record's outcome in a replay job. */
export function ReplayItemStatusBadge({ status }: { status: ReplayItemStatus }) {
  const info = REPLAY_ITEM_STATUS_INFO[status]
  return <Badge tone={info.tone} icon={info.icon} label={info.label} title={info.description} testId="replay-item-status" />
}
