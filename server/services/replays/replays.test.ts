import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrateClickHouse } from '../../clickhouse/migrate'
import { openTestClickHouse } from '../../clickhouse/testing'
import type { Db } from '../../db/client'
import { freshDb, TEST_ENGINES } from '../../db/testing'
import type { ClickHouse } from '../../clickhouse/client'
import type { DomainError } from '../../domain/errors'
import type { Principal } from '../../domain/permissions'
import { makeCtx } from '../testing/ctx'
import { controlReplayJob } from './control-job'
import { createReplayJob } from './create-job'
import { dryRunReplay } from './dry-run'
import { getReplayJob, listReplayJobs } from './list-jobs'
import { suggestRunningOrder } from './suggestions'
import { insertDeadLetter, insertHops, rid, insertUniquePlant } from '../testing/replays'
import { makePrincipal } from '../testing/principal'
import { domainError } from '../testing/errors'
import { BOOTSTRAP_PRINCIPAL } from '../../auth/api-tokens'

/**
 * The replay service on both Postgres engines with a real chDB: selection, the dry run's checks,
 * the guards that live in Postgres (state machine, one open item per record, maker/checker, force,
 * scope) and the audit trail.
 */

let chHandle: ReturnType<typeof openTestClickHouse>
let ch: ClickHouse
beforeAll(async () => {
  chHandle = openTestClickHouse('replays-service')
  ch = chHandle.ch
  await migrateClickHouse(ch)
})
afterAll(() => chHandle?.dispose())

describe.each(TEST_ENGINES)('replay service on %s', (engine) => {
  let db: Db
  let stores: Parameters<typeof makeCtx>[0]
  const as = (who: Principal, clientAddress: string | null = null) => makeCtx(stores, who, { clientAddress })
  beforeAll(async () => {
    db = await freshDb(engine)
    stores = { db: db.prisma, ch }
  })
  afterAll(() => db?.close())

  it('dry-runs a selection: counts per target topic, and each record left out with its reason', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const other = await insertUniquePlant(db.prisma)
    const a = await insertDeadLetter(db.prisma, { plant, convention: 'spring', sourceTopic: 'lt.hub.a.in' })
    const b = await insertDeadLetter(db.prisma, { plant, convention: 'connect', sourceTopic: 'lt.hub.a.in' })
    const c = await insertDeadLetter(db.prisma, { plant, convention: 'hub', sourceTopic: 'lt.hub.b.in' })
    const resolved = await insertDeadLetter(db.prisma, { plant, status: 'resolved' })
    const unknown = await insertDeadLetter(db.prisma, { plant, sourceTopic: null })
    const outside = await insertDeadLetter(db.prisma, { plant: other })
    const operator = makePrincipal('operator', [plant])
    const ids = [a, b, c, resolved, unknown, outside].map((d) => d.row.id)

    const { report } = await dryRunReplay(as(operator), { deadLetterIds: [...ids, 'no-such-id'] })
    expect(report.selected).toBe(7)
    expect(report.replayable).toBe(3)
    expect(report.byTarget).toEqual([
      { topic: 'lt.hub.a.in', count: 2 },
      { topic: 'lt.hub.b.in', count: 1 },
    ])
    const reasons = Object.fromEntries(report.notReplayable.map((n) => [n.deadLetterId, n.reason]))
    expect(reasons).toEqual({ [resolved.row.id]: 'state', [unknown.row.id]: 'unknown_origin', [outside.row.id]: 'outside_scope', 'no-such-id': 'not_found' })
    expect(report.approval.required).toBe(false)
    expect(report.etaSeconds).toBe(1)

    // An explicit target takes the record of unknown origin (and only it).
    const explicit = await dryRunReplay(as(operator), { deadLetterIds: [unknown.row.id, a.row.id], targetTopic: 'lt.manual.in' })
    expect(explicit.report.byTarget).toEqual([
      { topic: 'lt.hub.a.in', count: 1 },
      { topic: 'lt.manual.in', count: 1 },
    ])
    // A dry run changes nothing.
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: a.row.id } })).status).toBe('new')
  })

  it('sends a consumer group’s records to its redrive topic when one is configured', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const dl = await insertDeadLetter(db.prisma, { plant, sourceTopic: 'lt.hub.shared.in', consumerGroup: 'erp-posting' })
    const other = await insertDeadLetter(db.prisma, { plant, sourceTopic: 'lt.hub.shared.in', consumerGroup: 'wms-sync' })
    const redrive = { config: { replay: { redriveTopics: { 'erp-posting': 'lt.redrive.erp-posting' }, defaultRate: 50 } } }
    const { report } = await dryRunReplay({ ...as(makePrincipal('operator', [plant])), config: redrive.config }, { deadLetterIds: [dl.row.id, other.row.id] })
    expect(report.byTarget).toEqual([
      { topic: 'lt.hub.shared.in', count: 1 },
      { topic: 'lt.redrive.erp-posting', count: 1 },
    ])
  })

  it('selects by filter exactly what the triage list shows, within the caller’s plants', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const other = await insertUniquePlant(db.prisma)
    const period = await Promise.all([1, 2, 3].map(() => insertDeadLetter(db.prisma, { plant, errorCode: 'M7/053' })))
    await insertDeadLetter(db.prisma, { plant, errorCode: 'M3/305' })
    await insertDeadLetter(db.prisma, { plant: other, errorCode: 'M7/053' })
    const operator = makePrincipal('operator', [plant])

    const { report } = await dryRunReplay(as(operator), { filter: { errorCode: ['M7/053'] } })
    expect(report.deadLetterIds.sort()).toEqual(period.map((p) => p.row.id).sort())
    expect(await domainError(dryRunReplay(as(operator), { filter: { plant: other, errorCode: ['M7/053'] } }))).toMatchObject({ code: 'FORBIDDEN' })
  })

  it('flags duplicate risk (already posted, same idempotency key) and blocks it unless an admin forces it with a reason', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const posted = await insertDeadLetter(db.prisma, { plant })
    const notPosted = await insertDeadLetter(db.prisma, { plant })
    const origin = posted.row.originTime!
    await insertHops(ch, [
      { correlation_id: posted.row.correlationId!, plant, origin_time: origin, occurred_at: new Date(origin.getTime() + 90_000), event_type: 'erp.posting_succeeded', idempotency_key: `idem-${posted.row.correlationId}`, erp_document: '4900000001' },
      // Another key of the same kind for the second record's transaction: a partial posting's movement is not the confirmation.
      { correlation_id: notPosted.row.correlationId!, plant, origin_time: notPosted.row.originTime!, occurred_at: new Date(origin.getTime() + 90_000), event_type: 'erp.posting_succeeded', idempotency_key: 'some-other-key' },
    ])
    const ids = [posted.row.id, notPosted.row.id]
    const operator = makePrincipal('operator', [plant])
    const { report } = await dryRunReplay(as(operator), { deadLetterIds: ids })
    expect(report.duplicateRisk).toEqual([expect.objectContaining({ deadLetterId: posted.row.id, erpDocument: '4900000001', blocked: true })])
    expect(report.notReplayable).toEqual([expect.objectContaining({ deadLetterId: posted.row.id, reason: 'already_posted' })])
    expect(report.replayable).toBe(1)

    expect(await domainError(dryRunReplay(as(operator), { deadLetterIds: ids, force: true, forceReason: 'ERP reversed it' }))).toMatchObject({ code: 'FORBIDDEN' })
    const admin = makePrincipal('admin', 'all')
    expect((await dryRunReplay(as(admin), { deadLetterIds: ids, force: true })).report).toMatchObject({ replayable: 2, force: { requested: true, allowed: true, forcedRecords: 1 } })
    expect(await domainError(createReplayJob(as(admin), { deadLetterIds: ids, force: true, reason: 'Re-post' }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/own reason/) })
    const forced = await createReplayJob(as(admin), { deadLetterIds: ids, force: true, forceReason: 'Document 4900000001 was reversed in ERP', reason: 'Re-post after reversal' })
    expect(forced.job).toMatchObject({ forced: true, forceReason: 'Document 4900000001 was reversed in ERP', total: 2, status: 'queued' })
    const items = await db.prisma.replayItem.findMany({ where: { jobId: forced.job.id } })
    expect(items.find((i) => i.deadLetterId === posted.row.id)).toMatchObject({ duplicateRisk: true })
    const forceAudit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay.force', targetId: forced.job.id } })
    expect(forceAudit).toMatchObject({ actorLabel: admin.label, reason: 'Document 4900000001 was reversed in ERP' })
    expect(forceAudit.after).toEqual({ deadLetterIds: [posted.row.id] })
  })

  it('flags ordering risk when another transaction of the same work order posted after the failure', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const workOrder = '155000000777'
    const risky = await insertDeadLetter(db.prisma, { plant, workOrder })
    const calm = await insertDeadLetter(db.prisma, { plant, workOrder: '155000000888' })
    const failedAt = risky.row.recordTimestamp
    await insertHops(ch, [
      // Same order, another transaction, posted after the failure: a risk.
      { correlation_id: rid('newer'), plant, work_order: workOrder, origin_time: new Date(failedAt.getTime() + 60_000), occurred_at: new Date(failedAt.getTime() + 120_000), event_type: 'erp.posting_succeeded' },
      // The other order posted only before its record failed: no risk.
      { correlation_id: rid('older'), plant, work_order: '155000000888', origin_time: new Date(failedAt.getTime() - 600_000), occurred_at: new Date(failedAt.getTime() - 300_000), event_type: 'erp.posting_succeeded' },
    ])
    const { report } = await dryRunReplay(as(makePrincipal('operator', [plant])), { deadLetterIds: [risky.row.id, calm.row.id] })
    expect(report.orderingRisk).toEqual([expect.objectContaining({ deadLetterId: risky.row.id, keyType: 'work_order', keyValue: workOrder })])
    expect(report.replayable).toBe(2)
  })

  it('creates a job holding exactly the dry run’s records, moves them to replay_queued and audits it', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const dls = await Promise.all([1, 2].map(() => insertDeadLetter(db.prisma, { plant, status: 'triaged' })))
    const operator = makePrincipal('operator', [plant])
    const ids = dls.map((d) => d.row.id)
    expect(await domainError(createReplayJob(as(operator), { deadLetterIds: ids }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/reason/) })

    const created = await createReplayJob(as(operator, '10.1.2.3'), { deadLetterIds: ids, reason: 'Period 2026/11 opened', ratePerSecond: 20 })
    expect(created.job).toMatchObject({ status: 'queued', total: 2, remaining: 2, ratePerSecond: 20, plants: [plant], createdBy: operator.label })
    const rows = await db.prisma.deadLetter.findMany({ where: { id: { in: ids } } })
    expect(rows.map((r) => r.status)).toEqual(['replay_queued', 'replay_queued'])
    const items = await db.prisma.replayItem.findMany({ where: { jobId: created.job.id } })
    expect(items.map((i) => i.previousStatus)).toEqual(['triaged', 'triaged'])
    const job = await db.prisma.replayJob.findUniqueOrThrow({ where: { id: created.job.id } })
    expect(job.selection).toMatchObject({ requested: { deadLetterIds: ids }, snapshot: expect.arrayContaining(ids) })
    const entry = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay.create', targetId: created.job.id } })
    expect(entry).toMatchObject({ actorLabel: operator.label, reason: 'Period 2026/11 opened', ip: '10.1.2.3' })

    // The same records again: already queued, nothing created.
    expect(await domainError(createReplayJob(as(operator), { deadLetterIds: ids, reason: 'again' }))).toMatchObject({ code: 'CONFLICT' })
    expect(await db.prisma.replayJob.count({ where: { plants: { some: { plantCode: plant } } } })).toBe(1)
  })

  it('ten concurrent replay requests for one record: exactly one job holds it', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const dl = await insertDeadLetter(db.prisma, { plant })
    const operators = Array.from({ length: 10 }, () => makePrincipal('operator', [plant]))
    const results = await Promise.allSettled(operators.map((op) => createReplayJob(as(op), { deadLetterIds: [dl.row.id], reason: 'Concurrent click' })))
    const ok = results.filter((r) => r.status === 'fulfilled')
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    expect(ok).toHaveLength(1)
    expect(refused.map((r) => (r.reason as DomainError).code)).toEqual(Array(9).fill('CONFLICT'))
    expect(await db.prisma.replayItem.count({ where: { deadLetterId: dl.row.id } })).toBe(1)
  })

  it('maker/checker: a bulk job in a strict plant waits for a second person; the maker cannot approve it', async () => {
    const plant = await insertUniquePlant(db.prisma, { approval: true })
    const dls = await Promise.all([1, 2].map(() => insertDeadLetter(db.prisma, { plant })))
    const maker = makePrincipal('operator', [plant])
    const checker = makePrincipal('operator', [plant])
    const { report } = await dryRunReplay(as(maker), { deadLetterIds: dls.map((d) => d.row.id) })
    expect(report.approval).toMatchObject({ required: true, why: expect.stringContaining(plant) })
    const { job } = await createReplayJob(as(maker), { deadLetterIds: dls.map((d) => d.row.id), reason: 'Bulk after period open' })
    expect(job.status).toBe('awaiting_approval')

    expect(await domainError(controlReplayJob(as(maker), { id: job.id, action: 'approve' }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/another operator/) })
    expect(await domainError(controlReplayJob(as(makePrincipal('operator', ['ELSEWHERE'])), { id: job.id, action: 'approve' }))).toMatchObject({ code: 'NOT_FOUND' })
    // Identity is the user id: the maker under another label (their API token) is still the maker.
    const makerByToken: Principal = { ...maker, kind: 'api_token', label: `${maker.label} (token cli)` }
    expect(await domainError(controlReplayJob(as(makerByToken), { id: job.id, action: 'approve' }))).toMatchObject({ code: 'FORBIDDEN', message: expect.stringMatching(/You created this job/) })
    // The bootstrap token (and any principal without a user) is not a person: it checks nobody's work.
    expect(await domainError(controlReplayJob(as(BOOTSTRAP_PRINCIPAL), { id: job.id, action: 'approve' }))).toMatchObject({
      code: 'FORBIDDEN',
      message: `ADMIN_API_TOKEN is not a person, so it cannot approve a job that needs a second person's approval: an operator or admin of plant ${plant} must approve it, signed in or with their own API token (maker/checker).`,
    })
    // A different user with the maker's label (labels are not identities) is a second person.
    const sameLabel = makePrincipal('operator', [plant], maker.label)
    expect(sameLabel.userId).not.toBe(maker.userId)
    const approved = await controlReplayJob(as(sameLabel), { id: job.id, action: 'approve' })
    expect(approved).toMatchObject({ status: 'queued', approvedBy: maker.label })
    expect(await db.prisma.replayJob.findUniqueOrThrow({ where: { id: job.id } })).toMatchObject({ createdById: maker.userId, approvedById: sameLabel.userId })
    expect(await domainError(controlReplayJob(as(checker), { id: job.id, action: 'approve' }))).toMatchObject({ code: 'CONFLICT' })

    // A single unedited record needs no approval even there.
    const single = await insertDeadLetter(db.prisma, { plant })
    expect((await createReplayJob(as(maker), { deadLetterIds: [single.row.id], reason: 'One record' })).job.status).toBe('queued')
  })

  it('reject and abort need a reason, give the records back to triage and are audited', async () => {
    const plant = await insertUniquePlant(db.prisma, { approval: true })
    const dls = await Promise.all([1, 2, 3].map(() => insertDeadLetter(db.prisma, { plant, status: 'failed_again' })))
    const maker = makePrincipal('operator', [plant])
    const checker = makePrincipal('admin', 'all')
    const { job } = await createReplayJob(as(maker), { deadLetterIds: dls.map((d) => d.row.id), reason: 'Bulk' })
    expect(await domainError(controlReplayJob(as(checker), { id: job.id, action: 'reject' }))).toMatchObject({ code: 'BAD_REQUEST' })
    const rejected = await controlReplayJob(as(checker), { id: job.id, action: 'reject', reason: 'Wrong period, wait for FI' })
    expect(rejected).toMatchObject({ status: 'aborted', skipped: 3, remaining: 0, endReason: expect.stringContaining('Wrong period') })
    const statuses = await db.prisma.deadLetter.findMany({ where: { id: { in: dls.map((d) => d.row.id) } }, select: { status: true } })
    expect(statuses.map((s) => s.status)).toEqual(['failed_again', 'failed_again', 'failed_again'])
    const audit = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay.reject', targetId: job.id } })
    expect(audit).toMatchObject({ reason: 'Wrong period, wait for FI', before: { status: 'awaiting_approval' }, after: { status: 'aborted' } })

    // Released records can be replayed again.
    const again = await createReplayJob(as(maker), { deadLetterIds: [dls[0]!.row.id], reason: 'Now' })
    expect(await domainError(controlReplayJob(as(maker), { id: again.job.id, action: 'resume' }))).toMatchObject({ code: 'CONFLICT' })
    expect((await controlReplayJob(as(maker), { id: again.job.id, action: 'pause' })).status).toBe('paused')
    expect((await controlReplayJob(as(maker), { id: again.job.id, action: 'resume' })).status).toBe('queued')
    expect((await controlReplayJob(as(maker), { id: again.job.id, action: 'abort', reason: 'Changed my mind' })).status).toBe('aborted')
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: dls[0]!.row.id } })).status).toBe('failed_again')
  })

  it('validates payload edits against the flow schema, stores the diff and audits before/after', async () => {
    const plant = await insertUniquePlant(db.prisma, { approval: true })
    const dl = await insertDeadLetter(db.prisma, { plant, errorCode: 'BS/013', workOrder: '155000000001' })
    const operator = makePrincipal('operator', [plant])
    const original = JSON.parse(Buffer.from(dl.row.value!).toString()) as Record<string, unknown>

    const broken = await domainError(dryRunReplay(as(operator), { deadLetterIds: [dl.row.id], edits: [{ deadLetterId: dl.row.id, value: JSON.stringify({ ...original, work_order: 'ORD-1' }) }] }))
    expect(broken).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/work_order: must be a 12-digit/) })
    const identity = await domainError(dryRunReplay(as(operator), { deadLetterIds: [dl.row.id], edits: [{ deadLetterId: dl.row.id, value: JSON.stringify({ ...original, idempotency_key: 'new' }) }] }))
    expect(identity.message).toMatch(/idempotency_key: must stay/)
    expect((await domainError(dryRunReplay(as(operator), { deadLetterIds: [dl.row.id], edits: [{ deadLetterId: dl.row.id, value: '{not json' }] }))).message).toMatch(/not JSON/)

    const edit = { deadLetterId: dl.row.id, value: JSON.stringify({ ...original, work_order: '155000000002' }) }
    const { report } = await dryRunReplay(as(operator), { deadLetterIds: [dl.row.id], edits: [edit] })
    expect(report.edits).toEqual([{ deadLetterId: dl.row.id, patch: [{ op: 'replace', path: '/work_order', value: '155000000002' }] }])
    expect(report.approval.required).toBe(true)
    const { job } = await createReplayJob(as(operator), { deadLetterIds: [dl.row.id], edits: [edit], reason: 'Book onto the running order' })
    expect(job).toMatchObject({ edited: true, status: 'awaiting_approval' })
    const item = await db.prisma.replayItem.findFirstOrThrow({ where: { jobId: job.id } })
    expect(JSON.parse(Buffer.from(item.editedValue!).toString()).work_order).toBe('155000000002')
    expect(item.diff).toEqual(report.edits[0]!.patch)
    const audited = await db.prisma.auditLog.findFirstOrThrow({ where: { action: 'replay.edit', targetId: dl.row.id } })
    expect(audited.before).toEqual({ value: Buffer.from(dl.row.value!).toString() })
    expect(audited.after).toMatchObject({ patch: report.edits[0]!.patch, jobId: job.id })
  })

  it('lists and shows only jobs whose plants are all the caller’s', async () => {
    const mine = await insertUniquePlant(db.prisma)
    const theirs = await insertUniquePlant(db.prisma)
    const admin = makePrincipal('admin', 'all')
    const a = await createReplayJob(as(admin), { deadLetterIds: [(await insertDeadLetter(db.prisma, { plant: mine })).row.id], reason: 'mine' })
    const b = await createReplayJob(as(admin), { deadLetterIds: [(await insertDeadLetter(db.prisma, { plant: theirs })).row.id], reason: 'theirs' })
    const both = await createReplayJob(as(admin), {
      deadLetterIds: [(await insertDeadLetter(db.prisma, { plant: mine })).row.id, (await insertDeadLetter(db.prisma, { plant: theirs })).row.id],
      reason: 'both',
    })
    const viewer = makePrincipal('viewer', [mine])
    const listed = await listReplayJobs(as(viewer), { plant: mine })
    expect(listed.jobs.map((j) => j.id)).toEqual([a.job.id])
    expect((await listReplayJobs(as(admin), { plant: theirs })).jobs.map((j) => j.id)).toEqual([both.job.id, b.job.id])
    expect(await domainError(getReplayJob(as(viewer), { id: both.job.id }))).toMatchObject({ code: 'NOT_FOUND' })
    const shown = await getReplayJob(as(viewer), { id: a.job.id })
    expect(shown.items).toEqual([expect.objectContaining({ status: 'pending', deadLetter: expect.objectContaining({ plant: mine, status: 'replay_queued' }) })])
  })

  it('offers the order the line runs now for a TECO dead letter, never one that went TECO itself', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const dl = await insertDeadLetter(db.prisma, { plant, errorCode: 'BS/013', workOrder: '155000000100' })
    const now = new Date()
    const at = (minAgo: number) => new Date(now.getTime() - minAgo * 60_000)
    const counted = (order: string, minAgo: number, line = 'L01') => ({
      correlation_id: rid('count'),
      plant,
      line,
      work_order: order,
      origin_time: at(minAgo),
      occurred_at: at(minAgo),
      event_type: 'shopfloor.production_counted',
      hop: 'machine',
    })
    await insertHops(ch, [
      counted('155000000100', 50),
      counted('155000000200', 20),
      counted('155000000300', 5), // newest, but TECO since
      counted('155000000400', 1, 'L02'), // another line
      { correlation_id: rid('teco'), plant, work_order: '155000000300', origin_time: at(2), occurred_at: at(2), event_type: 'plan.work_order_status_changed', hop: 'erp', attributes: { status: 'TECO' } },
    ])
    const context = await suggestRunningOrder(as(makePrincipal('operator', [plant])), { deadLetterId: dl.row.id }, now)
    expect(context).toMatchObject({ line: 'L01', workOrder: '155000000100', runningOrder: { workOrder: '155000000200' } })
    expect(context.value).toBe(Buffer.from(dl.row.value!).toString())
    expect(await domainError(suggestRunningOrder(as(makePrincipal('operator', ['ELSEWHERE'])), { deadLetterId: dl.row.id }))).toMatchObject({ code: 'NOT_FOUND' })
  })
})
