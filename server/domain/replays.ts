import { z } from 'zod'
import { deadLetterFilterSchema } from './dead-letters'
import { plantCodeSchema } from './plants'
import type { Tone } from './txn-state'

/**
 * Replay jobs as people see them (DLQ-REPLAY.md "Replaying"): the request shared by the dry-run
 * page, the tRPC router and `POST /api/v1/replays`, the dry-run report, job and item states, and
 * the provenance headers a replayed record carries. Pure, so client components may import it.
 */

/** Mirrors the Prisma enum ReplayJobStatus (`draft` is not used: a dry run creates no job). */
export const REPLAY_JOB_STATUSES = ['draft', 'awaiting_approval', 'queued', 'running', 'paused', 'completed', 'aborted', 'failed'] as const
export type ReplayJobStatus = (typeof REPLAY_JOB_STATUSES)[number]
/** States in which a job still holds its dead letters. */
export const OPEN_REPLAY_JOB_STATUSES = ['awaiting_approval', 'queued', 'running', 'paused'] as const satisfies readonly ReplayJobStatus[]

export const REPLAY_JOB_STATUS_INFO: Readonly<Record<ReplayJobStatus, { label: string; tone: Tone; icon: string; description: string }>> = {
  draft: { label: 'draft', tone: 'neutral', icon: '✎', description: 'Not submitted.' },
  awaiting_approval: { label: 'awaiting approval', tone: 'warn', icon: '⚖', description: 'Maker/checker: a second person of the plant must approve it.' },
  queued: { label: 'queued', tone: 'neutral', icon: '⏵', description: 'Waiting for a worker to pick it up.' },
  running: { label: 'running', tone: 'neutral', icon: '↻', description: 'A worker is producing its records at the job’s rate.' },
  paused: { label: 'paused', tone: 'warn', icon: '⏸', description: 'Paused by a person; resume to continue where it stopped.' },
  completed: { label: 'completed', tone: 'ok', icon: '✓', description: 'Every record was produced, skipped or failed (see the outcomes).' },
  aborted: { label: 'aborted', tone: 'bad', icon: '⊘', description: 'Stopped (or rejected) before the end; records not produced went back to triage.' },
  failed: { label: 'failed', tone: 'bad', icon: '✕', description: 'The job could not go on (see its error).' },
}

export const REPLAY_ITEM_STATUSES = ['pending', 'produced', 'skipped', 'failed'] as const
export type ReplayItemStatus = (typeof REPLAY_ITEM_STATUSES)[number]

export const REPLAY_ITEM_STATUS_INFO: Readonly<Record<ReplayItemStatus, { label: string; tone: Tone; icon: string; description: string }>> = {
  pending: { label: 'pending', tone: 'neutral', icon: '…', description: 'Not produced yet.' },
  produced: { label: 'produced', tone: 'ok', icon: '↺', description: 'Produced to the target topic (partition and offset recorded).' },
  skipped: { label: 'skipped', tone: 'neutral', icon: '⊘', description: 'Not produced: the job was aborted or rejected first.' },
  failed: { label: 'failed', tone: 'bad', icon: '✕', description: 'Could not be produced (see the error); the dead letter went back to triage.' },
}

export const REPLAY_RATE = { min: 1, max: 2000, default: 50 } as const
/** The most records one job may hold: a bigger selection must be narrowed (or split). */
export const MAX_REPLAY_RECORDS = 10_000
/** The most payload edits one job may carry (edits are per record, by hand). */
export const MAX_REPLAY_EDITS = 50

/**
 * Provenance headers of a replayed record (DLQ-REPLAY.md "Produce"). The simulator's hub reads
 * `x-replay-id`, `x-replayed-by`, `x-replay-reason` and `x-replay-edited` into the hop events'
 * `replay` object, so a trace shows who replayed and why.
 */
export const PROVENANCE_HEADERS = {
  replayId: 'x-replay-id',
  jobId: 'x-replay-job-id',
  count: 'x-replay-count',
  replayedBy: 'x-replayed-by',
  replayedAt: 'x-replayed-at',
  source: 'x-replay-source',
  reason: 'x-replay-reason',
  edited: 'x-replay-edited',
  originalTraceparent: 'x-original-traceparent',
} as const

const reasonText = z.string().trim().min(3, 'say why, in a few words (at least 3 characters)').max(2000)
const topicName = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'must be a Kafka topic name')

/** The exceptions filter plus the plant facet (the header's plant), as a replay selection. */
export const replayFilterSchema = deadLetterFilterSchema.extend({
  plant: plantCodeSchema.optional(),
  plants: z.array(plantCodeSchema).max(200).optional(),
})
export type ReplayFilter = z.infer<typeof replayFilterSchema>

export const replayEditSchema = z.object({
  deadLetterId: z.string().min(1).max(64),
  /** The whole new value, as text (JSON for every flow message). */
  value: z.string().max(1024 * 1024, 'an edited value may be at most 1 MiB'),
})
export type ReplayEdit = z.infer<typeof replayEditSchema>

/**
 * What to replay and how: hand-picked dead letters or everything matching a filter (exactly one),
 * with the options of the job. The same object is dry-run and then executed.
 */
export const replayRequestSchema = z
  .object({
    deadLetterIds: z.array(z.string().min(1).max(64)).min(1, 'pick at least one dead letter').max(MAX_REPLAY_RECORDS).optional(),
    filter: replayFilterSchema.optional(),
    /** Required to execute; a dry run works without it. */
    reason: reasonText.optional(),
    /** Admins only: replay records whose transaction already posted (the idempotency guard). */
    force: z.boolean().default(false),
    /** Required to execute a job that forces records (a dry run shows what forcing would include). */
    forceReason: reasonText.optional(),
    ratePerSecond: z.number().int().min(REPLAY_RATE.min).max(REPLAY_RATE.max).optional(),
    /** For dead letters of unknown origin (no decodable source topic): where to produce them. */
    targetTopic: topicName.optional(),
    edits: z.array(replayEditSchema).max(MAX_REPLAY_EDITS).optional(),
  })
  .refine((r) => (r.deadLetterIds ? 1 : 0) + (r.filter ? 1 : 0) === 1, { error: 'give either deadLetterIds or filter (exactly one)', path: ['deadLetterIds'] })
export type ReplayRequest = z.input<typeof replayRequestSchema>
export type ParsedReplayRequest = z.output<typeof replayRequestSchema>

/** Why a selected record is left out of the job. */
export const NOT_REPLAYABLE_REASONS = {
  not_found: 'No such dead letter.',
  outside_scope: 'Its plant is not one of your plants.',
  state: 'Its state does not allow a replay (only new, triaged and failed-again records are replayed).',
  in_flight: 'Already in another replay job.',
  unknown_origin: 'Its source topic could not be decoded: give an explicit target topic.',
  already_posted: 'Its transaction already posted with the same idempotency key: only an admin can force it, with a reason.',
  no_value: 'It has no value to produce.',
} as const
export type NotReplayableReason = keyof typeof NOT_REPLAYABLE_REASONS

export interface DryRunRecord {
  deadLetterId: string
  correlationId: string | null
  plant: string | null
  flow: string | null
  errorCode: string | null
  recordTimestamp: string
}

export interface DuplicateRisk extends DryRunRecord {
  /** When the transaction first showed erp.posting_succeeded with the record's idempotency key. */
  postedAt: string
  erpDocument: string | null
  /** Left out unless an admin forces it. */
  blocked: boolean
}

export interface OrderingRisk extends DryRunRecord {
  /** The business key newer events were processed for. */
  keyType: 'work_order' | 'lot'
  keyValue: string
  /** The newer transaction and when it posted. */
  newerCorrelationId: string
  newerPostedAt: string
}

export interface DryRunEdit {
  deadLetterId: string
  /** RFC 6902 operations from the original value to the edit. */
  patch: JsonPatchOp[]
}

export interface JsonPatchOp {
  op: 'add' | 'remove' | 'replace'
  path: string
  value?: unknown
}

export interface DryRunReport {
  /** Records the selection matched (before the checks). */
  selected: number
  /** Records the job would produce. */
  replayable: number
  byTarget: { topic: string; count: number }[]
  notReplayable: (DryRunRecord & { reason: NotReplayableReason; detail: string })[]
  duplicateRisk: DuplicateRisk[]
  orderingRisk: OrderingRisk[]
  edits: DryRunEdit[]
  approval: { required: boolean; why: string | null; plants: string[] }
  force: { requested: boolean; allowed: boolean; forcedRecords: number }
  ratePerSecond: number
  /** Seconds the produce phase takes at that rate. */
  etaSeconds: number
  /** The concrete ids the job would hold (the snapshot job creation stores). */
  deadLetterIds: string[]
  /** Lists above are cut to this many entries each; the counts are complete. */
  listLimit: number
  truncated: { notReplayable: number; duplicateRisk: number; orderingRisk: number }
}

/** Control actions on a job, with the states they start from. */
export const REPLAY_ACTIONS = {
  approve: ['awaiting_approval'],
  reject: ['awaiting_approval'],
  pause: ['queued', 'running'],
  resume: ['paused'],
  abort: ['awaiting_approval', 'queued', 'running', 'paused'],
} as const satisfies Record<string, readonly ReplayJobStatus[]>
export type ReplayAction = keyof typeof REPLAY_ACTIONS

export const replayActionSchema = z.object({
  action: z.enum(Object.keys(REPLAY_ACTIONS) as [ReplayAction, ...ReplayAction[]]),
  reason: reasonText.optional(),
})
