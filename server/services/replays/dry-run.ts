import type { Ctx } from '../../context/ctx'
import { namedPlants, recordScope } from '../../context/scope'
import type { DeadLetter, Prisma, PrismaClient } from '../../db/client'
import { REPLAYABLE_DEAD_LETTER_STATUSES, type DeadLetterStatus } from '../../domain/dead-letters'
import { canAccessPlant, hasRole, type Principal } from '../../domain/permissions'
import { checkEdit } from '../../domain/replay-edits'
import {
  MAX_REPLAY_RECORDS,
  NOT_REPLAYABLE_REASONS,
  replayRequestSchema,
  type DryRunRecord,
  type DryRunReport,
  type JsonPatchOp,
  type NotReplayableReason,
  type ParsedReplayRequest,
} from '../../domain/replays'
import { deadLetterWhere } from '../dead-letters/where'
import { DomainError } from '../../domain/errors'
import { idempotencyKeyOf, orderingKeyOf, targetTopicOf } from './dead-letter-facts'
import { findAlreadyPosted, findNewerPostings, type RiskSubject } from './risks'

/**
 * The dry run (DLQ-REPLAY.md "Replaying", step 2): always shown before execution. One function
 * serves the dialog, `POST /api/v1/replays {dryRun: true}` and job creation, so a job holds exactly
 * what its dry run showed. It reads; it changes nothing.
 */

/** What replay services need of the context: both stores, the replay settings, who asks and from where. */
export type ReplayCtx = Pick<Ctx, 'db' | 'ch' | 'principal' | 'actor' | 'clientAddress'> & { config: Pick<Ctx['config'], 'replay'> }

/** What job creation needs per record beyond the report. */
export interface PlannedItem {
  deadLetterId: string
  status: DeadLetterStatus
  plant: string | null
  targetTopic: string
  duplicateRisk: boolean
  orderingRisk: boolean
  edit?: { value: string; patch: JsonPatchOp[]; original: string | null }
}

export interface DryRun {
  request: ParsedReplayRequest
  report: DryRunReport
  items: PlannedItem[]
}

const LIST_LIMIT = 200

type Row = Pick<
  DeadLetter,
  | 'id'
  | 'status'
  | 'plantCode'
  | 'flow'
  | 'correlationId'
  | 'originTime'
  | 'recordTimestamp'
  | 'errorCode'
  | 'value'
  | 'headers'
  | 'businessKeys'
  | 'sourceTopic'
  | 'consumerGroup'
>

const SELECT = {
  id: true,
  status: true,
  plantCode: true,
  flow: true,
  correlationId: true,
  originTime: true,
  recordTimestamp: true,
  errorCode: true,
  value: true,
  headers: true,
  businessKeys: true,
  sourceTopic: true,
  consumerGroup: true,
} satisfies Prisma.DeadLetterSelect

async function select(prisma: PrismaClient, principal: Principal, request: ParsedReplayRequest): Promise<{ rows: Row[]; missing: string[]; outside: Row[] }> {
  if (request.deadLetterIds) {
    const ids = [...new Set(request.deadLetterIds)]
    const rows = await prisma.deadLetter.findMany({ where: { id: { in: ids } }, select: SELECT })
    const found = new Set(rows.map((r) => r.id))
    const inScope = (r: Row) => principal.plants === 'all' || (r.plantCode !== null && canAccessPlant(principal, r.plantCode))
    return { rows: rows.filter(inScope), outside: rows.filter((r) => !inScope(r)), missing: ids.filter((id) => !found.has(id)) }
  }
  const filter = request.filter!
  const where = deadLetterWhere(filter, recordScope(principal, namedPlants(filter)))
  const count = await prisma.deadLetter.count({ where })
  if (count > MAX_REPLAY_RECORDS)
    throw new DomainError(
      'BAD_REQUEST',
      `The filter matches ${count.toLocaleString('en-US')} dead letters; one replay job takes at most ${MAX_REPLAY_RECORDS.toLocaleString('en-US')}. Narrow it (error code, flow, time range) or replay in parts.`,
    )
  const rows = await prisma.deadLetter.findMany({ where, select: SELECT, orderBy: [{ recordTimestamp: 'asc' }, { id: 'asc' }] })
  return { rows, outside: [], missing: [] }
}

function recordOf(r: Row): DryRunRecord {
  return {
    deadLetterId: r.id,
    correlationId: r.correlationId,
    plant: r.plantCode,
    flow: r.flow,
    errorCode: r.errorCode,
    recordTimestamp: r.recordTimestamp.toISOString(),
  }
}

export async function dryRunReplay(ctx: ReplayCtx, input: unknown): Promise<DryRun> {
  const { principal } = ctx
  const request = replayRequestSchema.parse(input)
  if (request.force && !hasRole(principal, 'admin'))
    throw new DomainError('FORBIDDEN', 'Only admins can force a replay past the idempotency guard; leave "force" off, or ask an admin.')
  const { rows, missing, outside } = await select(ctx.db, principal, request)
  const openItems = new Set(
    (await ctx.db.replayItem.findMany({ where: { deadLetterId: { in: rows.map((r) => r.id) }, status: 'pending' }, select: { deadLetterId: true } })).map(
      (i) => i.deadLetterId,
    ),
  )

  const notReplayable: DryRunReport['notReplayable'] = []
  const skip = (record: DryRunRecord, reason: NotReplayableReason, detail: string = NOT_REPLAYABLE_REASONS[reason]) => notReplayable.push({ ...record, reason, detail })
  for (const id of missing) skip({ deadLetterId: id, correlationId: null, plant: null, flow: null, errorCode: null, recordTimestamp: '' }, 'not_found')
  for (const r of outside) skip({ deadLetterId: r.id, correlationId: null, plant: null, flow: null, errorCode: null, recordTimestamp: '' }, 'outside_scope')

  const editsById = new Map((request.edits ?? []).map((e) => [e.deadLetterId, e.value]))
  const candidates: { row: Row; target: string; edit?: PlannedItem['edit'] }[] = []
  for (const r of rows) {
    if (openItems.has(r.id)) skip(recordOf(r), 'in_flight')
    else if (!(REPLAYABLE_DEAD_LETTER_STATUSES as readonly string[]).includes(r.status)) skip(recordOf(r), 'state', `State "${r.status}": ${NOT_REPLAYABLE_REASONS.state}`)
    else if (!r.value) skip(recordOf(r), 'no_value')
    else {
      const target = targetTopicOf(r, ctx.config.replay.redriveTopics, request.targetTopic)
      if (!target) skip(recordOf(r), 'unknown_origin')
      else {
        const edited = editsById.get(r.id)
        let edit: PlannedItem['edit']
        if (edited !== undefined) {
          const original = Buffer.from(r.value).toString('utf8')
          const check = checkEdit(original, edited)
          if (!check.ok)
            throw new DomainError('BAD_REQUEST', `The edit of dead letter ${r.id} is not valid: ${check.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`)
          edit = { value: check.value, patch: check.patch, original }
        }
        candidates.push({ row: r, target, edit })
      }
    }
  }
  const strayEdits = [...editsById.keys()].filter((id) => !candidates.some((c) => c.row.id === id))
  if (strayEdits.length) throw new DomainError('BAD_REQUEST', `Edits name dead letters that are not replayable in this selection: ${strayEdits.join(', ')}.`)

  // Telemetry checks, for records linked to a transaction.
  const subjects: RiskSubject[] = candidates
    .filter((c) => c.row.correlationId)
    .map(({ row }) => ({
      id: row.id,
      correlationId: row.correlationId!,
      plant: row.plantCode,
      originTime: row.originTime,
      failedAt: row.recordTimestamp,
      idempotencyKey: idempotencyKeyOf(row),
      orderingKey: orderingKeyOf(row),
    }))
  const [posted, newer] = await Promise.all([findAlreadyPosted(ctx.ch, subjects, ctx.actor), findNewerPostings(ctx.ch, subjects, ctx.actor)])

  const items: PlannedItem[] = []
  const duplicateRisk: DryRunReport['duplicateRisk'] = []
  const orderingRisk: DryRunReport['orderingRisk'] = []
  for (const c of candidates) {
    const hit = posted.get(c.row.id)
    if (hit) {
      duplicateRisk.push({ ...recordOf(c.row), postedAt: hit.postedAt.toISOString(), erpDocument: hit.erpDocument, blocked: !request.force })
      if (!request.force) {
        skip(recordOf(c.row), 'already_posted', `Posted ${hit.postedAt.toISOString()}${hit.erpDocument ? ` as ERP document ${hit.erpDocument}` : ''}: ${NOT_REPLAYABLE_REASONS.already_posted}`)
        continue
      }
    }
    const newerHit = newer.get(c.row.id)
    const key = orderingKeyOf(c.row)
    if (newerHit && key)
      orderingRisk.push({ ...recordOf(c.row), keyType: key.type, keyValue: key.value, newerCorrelationId: newerHit.correlationId, newerPostedAt: newerHit.postedAt.toISOString() })
    items.push({
      deadLetterId: c.row.id,
      status: c.row.status,
      plant: c.row.plantCode,
      targetTopic: c.target,
      duplicateRisk: !!hit,
      orderingRisk: !!newerHit,
      edit: c.edit,
    })
  }

  const byTarget = new Map<string, number>()
  for (const i of items) byTarget.set(i.targetTopic, (byTarget.get(i.targetTopic) ?? 0) + 1)
  const plants = [...new Set(items.map((i) => i.plant ?? ''))].sort()
  const approval = await approvalFor(ctx.db, items)
  const rate = request.ratePerSecond ?? ctx.config.replay.defaultRate
  const cut = <T>(list: T[]) => list.slice(0, LIST_LIMIT)
  const report: DryRunReport = {
    selected: rows.length + outside.length + missing.length,
    replayable: items.length,
    byTarget: [...byTarget].map(([topic, count]) => ({ topic, count })).sort((a, b) => b.count - a.count || a.topic.localeCompare(b.topic)),
    notReplayable: cut(notReplayable),
    duplicateRisk: cut(duplicateRisk),
    orderingRisk: cut(orderingRisk),
    edits: items.filter((i) => i.edit).map((i) => ({ deadLetterId: i.deadLetterId, patch: i.edit!.patch })),
    approval: { ...approval, plants },
    force: { requested: request.force, allowed: hasRole(principal, 'admin'), forcedRecords: items.filter((i) => i.duplicateRisk).length },
    ratePerSecond: rate,
    etaSeconds: Math.ceil(items.length / rate),
    deadLetterIds: items.map((i) => i.deadLetterId),
    listLimit: LIST_LIMIT,
    truncated: {
      notReplayable: Math.max(0, notReplayable.length - LIST_LIMIT),
      duplicateRisk: Math.max(0, duplicateRisk.length - LIST_LIMIT),
      orderingRisk: Math.max(0, orderingRisk.length - LIST_LIMIT),
    },
  }
  return { request, report, items }
}

/** Maker/checker: edited or bulk (> 1 record) jobs wait for a second person when one of their plants requires it. */
async function approvalFor(prisma: PrismaClient, items: readonly PlannedItem[]): Promise<{ required: boolean; why: string | null }> {
  const edited = items.some((i) => i.edit)
  const bulk = items.length > 1
  if (!edited && !bulk) return { required: false, why: null }
  const codes = [...new Set(items.map((i) => i.plant).filter((p): p is string => p !== null))]
  const strict = await prisma.plant.findMany({ where: { code: { in: codes }, replayApprovalRequired: true }, select: { code: true }, orderBy: { code: 'asc' } })
  if (!strict.length) return { required: false, why: null }
  const what = edited && bulk ? 'edited bulk replay' : edited ? 'edited replay' : `bulk replay (${items.length} records)`
  return { required: true, why: `Plant ${strict.map((p) => p.code).join(', ')} requires a second person's approval for ${edited ? 'an' : 'a'} ${what}.` }
}
