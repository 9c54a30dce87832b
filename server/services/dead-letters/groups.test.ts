import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { domainError } from '../testing/errors'
import { makePrincipal } from '../testing/principal'
import { insertDeadLetter, insertUniquePlant } from '../testing/replays'
import { getDeadLetter, listGroups, listRecords } from './queries'
import { groupDetail } from './groups'
import { addRunbookNote, listRunbookNotes, markFixed } from './runbook'
import { discardDeadLetter } from './triage'

/**
 * Issue 19 on PGlite: a cross-plant group with facets that narrow the records, the time range on
 * group counts, guidance on every record, runbook notes (operators and admins only, audited, only
 * for groups the caller can see), "mark fixed", and what resolved the group before.
 */

describe('exception groups: facets, guidance, runbook notes, history', () => {
  let db: Db
  let plantA: string
  let plantB: string
  let plantC: string
  const fp = `fp-${Math.random().toString(36).slice(2)}`
  const t0 = new Date('2026-12-01T08:00:00Z')
  const ids: string[] = []

  beforeAll(async () => {
    db = await freshPgliteDb()
    plantA = await insertUniquePlant(db.prisma)
    plantB = await insertUniquePlant(db.prisma)
    plantC = await insertUniquePlant(db.prisma)
    // One root cause in two plants: 3 records in A (two materials), 1 in B; one more in C of another cause.
    const rows: [string, string, string, number][] = [
      [plantA, 'RM1', 'erp-posting', 0],
      [plantA, 'RM1', 'erp-posting', 1],
      [plantA, 'RM2', 'connect-erp-sink', 2],
      [plantB, 'RM3', 'erp-posting', 48],
    ]
    for (const [plant, material, consumerGroup, hours] of rows) {
      const { row } = await insertDeadLetter(db.prisma, { plant, consumerGroup, failedAt: new Date(t0.getTime() + hours * 3_600_000) })
      await db.prisma.deadLetter.update({ where: { id: row.id }, data: { fingerprint: fp, businessKeys: { material, work_order: row.id } } })
      ids.push(row.id)
    }
    await insertDeadLetter(db.prisma, { plant: plantC })
  })
  afterAll(() => db.close())

  it('facets count the group by plant, flow, material and consumer group; a facet narrows the records', async () => {
    const admin = makePrincipal('admin', 'all')
    const g = await groupDetail({ db: db.prisma, principal: admin }, { fingerprint: fp })
    expect(g).toMatchObject({ count: 4, open: 4 })
    expect(g.facets.plant).toEqual([
      { value: plantA, count: 3 },
      { value: plantB, count: 1 },
    ])
    expect(g.facets.material).toEqual([
      { value: 'RM1', count: 2 },
      { value: 'RM2', count: 1 },
      { value: 'RM3', count: 1 },
    ])
    expect(g.facets.consumerGroup).toEqual([
      { value: 'erp-posting', count: 3 },
      { value: 'connect-erp-sink', count: 1 },
    ])
    expect(g.facets.flow).toEqual([{ value: 'production_confirmation', count: 4 }])
    expect(g.firstSeen).toEqual(t0)
    expect(g.lastSeen).toEqual(new Date(t0.getTime() + 48 * 3_600_000))
    // The facets do not narrow themselves (every plant stays pickable) …
    expect((await groupDetail({ db: db.prisma, principal: admin }, { fingerprint: fp, plants: [plantB] })).facets.plant).toHaveLength(2)
    // … the records do.
    const byPlant = await listRecords({ db: db.prisma, principal: admin }, { filter: { fingerprint: fp, plants: [plantB] } })
    expect(byPlant.items.map((r) => r.plant)).toEqual([plantB])
    const byMaterial = await listRecords({ db: db.prisma, principal: admin }, { filter: { fingerprint: fp, material: 'RM1' } })
    expect(byMaterial.total).toBe(2)
    const byGroup = await listRecords({ db: db.prisma, principal: admin }, { filter: { fingerprint: fp, consumerGroup: 'connect-erp-sink' } })
    expect(byGroup.items.map((r) => r.businessKeys.material)).toEqual(['RM2'])
  })

  it('the time range narrows group counts; records carry the guidance of their code', async () => {
    const admin = makePrincipal('admin', 'all')
    const range = { from: new Date(t0.getTime() + 24 * 3_600_000), to: new Date(t0.getTime() + 72 * 3_600_000) }
    const { groups } = await listGroups({ db: db.prisma, principal: admin }, { fingerprint: fp, ...range })
    expect(groups).toHaveLength(1)
    expect(groups[0]).toMatchObject({ count: 1, plants: [plantB] })
    const g = await groupDetail({ db: db.prisma, principal: admin }, { fingerprint: fp, ...range })
    expect(g.count).toBe(1)
    // The sample is the newest record whatever the range (guidance and "last seen" stay absolute).
    expect(g.sample.lastSeen).toEqual(new Date(t0.getTime() + 48 * 3_600_000))
    expect(g.guidance).toMatchObject({ key: 'M7/053', replayBeforeFixCanSucceed: false })
    const { items } = await listRecords({ db: db.prisma, principal: admin }, { filter: { fingerprint: fp } })
    expect(items[0]!.guidance.how).toMatch(/MMPV/)
  })

  it('runbook notes: operators add them (audited), everyone who sees the group reads them; viewers and outsiders cannot add', async () => {
    const operatorA = makePrincipal('operator', [plantA])
    const note = await addRunbookNote({ db: db.prisma, principal: operatorA }, { fingerprint: fp, body: 'Finance opens the period around 09:30 on the 1st; replay after that.' })
    expect(note.author).toBe(operatorA.label)
    const audit = await db.prisma.auditLog.findFirst({ where: { action: 'runbook_note.create', targetId: fp } })
    expect(audit).toMatchObject({ actorLabel: operatorA.label, targetType: 'dead_letter_group' })
    expect(audit!.after).toMatchObject({ noteId: note.id, body: note.body })

    // A viewer of plant B sees the group, and the note written from plant A.
    const viewerB = makePrincipal('viewer', [plantB])
    expect((await listRunbookNotes({ db: db.prisma, principal: viewerB }, { fingerprint: fp })).map((n) => n.body)).toEqual([note.body])
    expect((await groupDetail({ db: db.prisma, principal: viewerB }, { fingerprint: fp })).notes).toHaveLength(1)
    expect(await domainError(addRunbookNote({ db: db.prisma, principal: viewerB }, { fingerprint: fp, body: 'viewers only read' }))).toMatchObject({ code: 'FORBIDDEN' })

    // An operator of plant C does not see the group at all.
    const operatorC = makePrincipal('operator', [plantC])
    expect(await domainError(addRunbookNote({ db: db.prisma, principal: operatorC }, { fingerprint: fp, body: 'not my group' }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await domainError(groupDetail({ db: db.prisma, principal: operatorC }, { fingerprint: fp }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await domainError(addRunbookNote({ db: db.prisma, principal: operatorA }, { fingerprint: fp, body: ' ' }))).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await db.prisma.runbookNote.count({ where: { fingerprint: fp } })).toBe(1)
  })

  it('mark fixed makes "Replay" the primary action (audited); outside the plant it is refused', async () => {
    const operatorA = makePrincipal('operator', [plantA])
    const before = await getDeadLetter({ db: db.prisma, principal: operatorA }, { id: ids[0]! })
    expect(before.markedFixed).toBe(false)
    expect(await markFixed({ db: db.prisma, principal: operatorA }, { id: ids[0]!, note: 'period opened (MMPV)' })).toEqual({ id: ids[0], status: 'triaged' })
    const after = await getDeadLetter({ db: db.prisma, principal: operatorA }, { id: ids[0]! })
    expect(after.markedFixed).toBe(true)
    expect(after.audit.find((a) => a.action === 'dead_letter.mark_fixed')).toMatchObject({ reason: 'period opened (MMPV)' })
    expect(await domainError(markFixed({ db: db.prisma, principal: operatorA }, { id: ids[3]! }))).toMatchObject({ code: 'NOT_FOUND' })
    expect(await domainError(markFixed({ db: db.prisma, principal: makePrincipal('viewer', 'all') }, { id: ids[3]! }))).toMatchObject({ code: 'FORBIDDEN' })
  })

  it('the history says what resolved the group before: replays (with their reasons and outcome) and discards (with reasons)', async () => {
    const admin = makePrincipal('admin', 'all')
    const job = await db.prisma.replayJob.create({ data: { reason: 'Period opened in company code 1000 (MMPV)', selection: {}, createdByLabel: 'op', status: 'completed' } })
    for (const id of ids.slice(0, 2)) {
      await db.prisma.replayItem.create({ data: { jobId: job.id, deadLetterId: id, status: 'produced', targetTopic: 'lt.hub.in', previousStatus: 'new', producedAt: new Date() } })
    }
    await db.prisma.deadLetter.update({ where: { id: ids[0]! }, data: { status: 'resolved' } })
    await db.prisma.deadLetter.update({ where: { id: ids[1]! }, data: { status: 'failed_again' } })
    await discardDeadLetter({ db: db.prisma, principal: admin }, { id: ids[2]!, reason: 'Duplicate of a manual posting in MIGO' })
    const { history } = await groupDetail({ db: db.prisma, principal: admin }, { fingerprint: fp })
    expect(history).toEqual({
      replayed: { times: 2, resolved: 1, failedAgain: 1, reasons: [{ reason: 'Period opened in company code 1000 (MMPV)', count: 2 }] },
      discarded: { times: 1, reasons: [{ reason: 'Duplicate of a manual posting in MIGO', count: 1 }] },
    })
    // Only what the caller may see: an operator of plant B saw none of it.
    const b = await groupDetail({ db: db.prisma, principal: makePrincipal('operator', [plantB]) }, { fingerprint: fp })
    expect(b.history.replayed.times).toBe(0)
    expect(b.history.discarded.times).toBe(0)
  })
})
