import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { Prisma, type Db } from './client'
import { isForeignKeyViolation, isUniqueViolation } from './errors'
import { freshDb, TEST_ENGINES } from './testing'

/** Every model through the generated client on a freshly migrated database: the schema works. */

/** 'unique' or 'foreign key', else the Prisma code, so a failed expectation shows what happened. */
async function violation(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (isUniqueViolation(error)) return 'unique'
    if (isForeignKeyViolation(error)) return 'foreign key'
    if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code
    throw error
  }
  return 'no error: the operation succeeded'
}

const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`

describe.each(TEST_ENGINES)('models on %s', (engine) => {
  let db: Db
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(async () => {
    await db?.close()
  })

  async function plant(code = uid('PL')) {
    return db.prisma.plant.create({
      data: { code, name: `Plant ${code}`, timeZone: 'Europe/Berlin', shiftCalendar: [] },
    })
  }

  async function user(id = uid('user')) {
    return db.prisma.user.create({ data: { id, email: `${id}@example.test`, name: id } })
  }

  async function deadLetter(data: Partial<Prisma.DeadLetterUncheckedCreateInput> = {}) {
    return db.prisma.deadLetter.create({
      data: {
        topic: uid('orders.dlq'),
        partition: 0,
        offset: 1n,
        recordTimestamp: new Date('2026-11-22T10:00:00.000Z'),
        headers: {},
        convention: 'spring',
        fingerprint: 'fp',
        ...data,
      },
    })
  }

  test('User with sessions, accounts, API tokens and plant scopes; deleting the user cascades', async () => {
    const p = await plant()
    const id = uid('user')
    const created = await db.prisma.user.create({
      data: {
        id,
        email: `${id}@example.test`,
        name: 'Ada',
        sessions: { create: { id: uid('s'), token: uid('tok'), expiresAt: new Date(Date.now() + 3_600_000) } },
        accounts: { create: { id: uid('a'), accountId: id, providerId: 'credential', password: 'scrypt$x' } },
        apiTokens: { create: { name: 'ci', prefix: 'lt_ab', tokenHash: uid('hash') } },
        plantScopes: { create: { plantCode: p.code } },
      },
    })
    expect(created).toMatchObject({ role: 'viewer', disabled: false, emailVerified: false, image: null })
    expect(created.updatedAt).toBeInstanceOf(Date)

    const read = await db.prisma.user.findUniqueOrThrow({
      where: { email: `${id}@example.test` },
      include: { sessions: true, accounts: true, apiTokens: true, plantScopes: { include: { plant: true } } },
    })
    expect(read.sessions).toHaveLength(1)
    expect(read.accounts[0]?.password).toBe('scrypt$x')
    expect(read.apiTokens[0]?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(read.plantScopes[0]?.plant.code).toBe(p.code)

    const updated = await db.prisma.user.update({ where: { id }, data: { role: 'admin', disabled: true } })
    expect(updated).toMatchObject({ role: 'admin', disabled: true })
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime())

    expect(await violation(user(id))).toBe('unique')
    expect(await violation(db.prisma.user.create({ data: { id: uid('u'), email: `${id}@example.test`, name: 'x' } }))).toBe('unique')

    await db.prisma.user.delete({ where: { id } })
    const leftovers = await Promise.all([
      db.prisma.session.count({ where: { userId: id } }),
      db.prisma.account.count({ where: { userId: id } }),
      db.prisma.apiToken.count({ where: { userId: id } }),
      db.prisma.userPlantScope.count({ where: { userId: id } }),
    ])
    expect(leftovers).toEqual([0, 0, 0, 0])
    expect(await db.prisma.plant.findUnique({ where: { code: p.code } })).not.toBeNull()
  })

  test('Session token and ApiToken hash are unique', async () => {
    const u = await user()
    const token = uid('tok')
    await db.prisma.session.create({ data: { id: uid('s'), token, userId: u.id, expiresAt: new Date() } })
    expect(await violation(db.prisma.session.create({ data: { id: uid('s'), token, userId: u.id, expiresAt: new Date() } }))).toBe('unique')
    const tokenHash = uid('hash')
    await db.prisma.apiToken.create({ data: { name: 'a', prefix: 'lt_', tokenHash, userId: u.id } })
    expect(await violation(db.prisma.apiToken.create({ data: { name: 'b', prefix: 'lt_', tokenHash, userId: u.id } }))).toBe('unique')
    const revoked = await db.prisma.apiToken.update({ where: { tokenHash }, data: { revokedAt: new Date(), lastUsedAt: new Date() } })
    expect(revoked.revokedAt).toBeInstanceOf(Date)
    expect(await violation(db.prisma.session.create({ data: { id: uid('s'), token: uid('t'), userId: 'nobody', expiresAt: new Date() } }))).toBe('foreign key')
  })

  test('Verification: create, find by identifier, update, delete', async () => {
    const identifier = uid('email-verification')
    const v = await db.prisma.verification.create({
      data: { id: uid('v'), identifier, value: 'code-1', expiresAt: new Date('2030-01-01T00:00:00.000Z') },
    })
    expect((await db.prisma.verification.findFirstOrThrow({ where: { identifier } })).value).toBe('code-1')
    expect((await db.prisma.verification.update({ where: { id: v.id }, data: { value: 'code-2' } })).value).toBe('code-2')
    await db.prisma.verification.delete({ where: { id: v.id } })
    expect(await db.prisma.verification.count({ where: { identifier } })).toBe(0)
  })

  test('Plant Json round-trips; deleting a plant cascades scopes and SLA targets and detaches dead letters', async () => {
    const shiftCalendar = [
      { name: 'Früh', start: '06:00', end: '14:00', days: [1, 2, 3, 4, 5] },
      { name: 'Nacht "N"', start: '22:00', end: '06:00', days: [7], note: null, nested: { ok: true, ratio: 0.5 } },
    ]
    const code = uid('PL')
    const p = await db.prisma.plant.create({
      data: { code, name: 'Augsburg', timeZone: 'Europe/Berlin', erpCompanyCode: '1000', shiftCalendar },
    })
    expect(p).toMatchObject({ discovered: false, replayApprovalRequired: false })
    expect((await db.prisma.plant.findUniqueOrThrow({ where: { code } })).shiftCalendar).toEqual(shiftCalendar)
    const renamed = await db.prisma.plant.update({ where: { code }, data: { name: 'Augsburg 2', replayApprovalRequired: true } })
    expect(renamed).toMatchObject({ name: 'Augsburg 2', replayApprovalRequired: true })

    const u = await user()
    await db.prisma.userPlantScope.create({ data: { userId: u.id, plantCode: code } })
    const scope = await db.prisma.userPlantScope.findUnique({
      where: { userId_plantCode: { userId: u.id, plantCode: code } },
      include: { user: true, plant: true },
    })
    expect(scope?.user.id).toBe(u.id)
    expect(await violation(db.prisma.userPlantScope.create({ data: { userId: u.id, plantCode: code } }))).toBe('unique')
    await db.prisma.slaTarget.create({ data: { plantCode: code, flow: '*', kpi: 'latency_p95', target: 2.5, unit: 's' } })
    const dl = await deadLetter({ plantCode: code })

    await db.prisma.plant.delete({ where: { code } })
    expect(await db.prisma.userPlantScope.count({ where: { plantCode: code } })).toBe(0)
    expect(await db.prisma.slaTarget.count({ where: { plantCode: code } })).toBe(0)
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: dl.id } })).plantCode).toBeNull()
  })

  test('SlaTarget: Float target, unique (plantCode, flow, kpi), update, delete', async () => {
    const p = await plant()
    const t = await db.prisma.slaTarget.create({
      data: { plantCode: p.code, flow: 'mes-to-erp', kpi: 'success_rate', target: 99.95, unit: '%', updatedBy: 'admin' },
    })
    expect(t.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(t.target).toBe(99.95)
    expect(
      await violation(
        db.prisma.slaTarget.create({ data: { plantCode: p.code, flow: 'mes-to-erp', kpi: 'success_rate', target: 1, unit: '%' } }),
      ),
    ).toBe('unique')
    await db.prisma.slaTarget.create({ data: { plantCode: p.code, flow: 'wms-to-erp', kpi: 'success_rate', target: 99, unit: '%' } })
    const byKey = await db.prisma.slaTarget.update({
      where: { plantCode_flow_kpi: { plantCode: p.code, flow: 'mes-to-erp', kpi: 'success_rate' } },
      data: { target: 99.5 },
    })
    expect(byKey.target).toBe(99.5)
    const withPlant = await db.prisma.plant.findUniqueOrThrow({ where: { code: p.code }, include: { slaTargets: { orderBy: { flow: 'asc' } } } })
    expect(withPlant.slaTargets.map((s) => s.flow)).toEqual(['mes-to-erp', 'wms-to-erp'])
    await db.prisma.slaTarget.delete({ where: { id: t.id } })
    expect(await db.prisma.slaTarget.count({ where: { plantCode: p.code } })).toBe(1)
    expect(await violation(db.prisma.slaTarget.create({ data: { plantCode: 'no-such-plant', flow: '*', kpi: 'k', target: 1, unit: 'x' } }))).toBe('foreign key')
  })

  test('DeadLetter: BigInt, Bytes and Json round-trip; defaults; unique (topic, partition, offset)', async () => {
    const p = await plant()
    const topic = uid('erp.postings.DLT')
    const key = new Uint8Array([0x00, 0xff, 0x10, 0x80, 0x00])
    const value = new Uint8Array(Buffer.from('{"order":"4711","qty":3}\u0000\u00ff', 'latin1'))
    const headers = { 'kafka_dlt-exception-fqcn': 'java.lang.IllegalStateException', 'x-attempts': [1, 2, 3], empty: '' }
    const offset = 9_007_199_254_740_993n // 2^53 + 1: not representable as a JS number
    const created = await db.prisma.deadLetter.create({
      data: {
        topic, partition: 7, offset, recordTimestamp: new Date('2026-11-22T10:11:12.345Z'), key, value, headers,
        convention: 'spring', sourceTopic: 'erp.postings', sourcePartition: 7, sourceOffset: offset - 1n,
        consumerGroup: 'erp-poster', errorClass: 'IllegalStateException', errorMessage: 'qty < 0',
        stackTrace: 'at x.y(Z.java:1)', attempts: 3, correlationId: uid('corr'), originTime: new Date('2026-11-22T10:00:00.000Z'),
        plantCode: p.code, flow: 'mes-to-erp', errorCategory: 'validation', errorCode: 'QTY_NEG', fingerprint: 'fp-qty',
      },
    })
    expect(created).toMatchObject({ status: 'new', businessKeys: {}, assigneeId: null, previousId: null, resolvedAt: null })

    const read = await db.prisma.deadLetter.findUniqueOrThrow({
      where: { topic_partition_offset: { topic, partition: 7, offset } },
      include: { plant: true },
    })
    expect(read.offset).toBe(offset)
    expect(read.sourceOffset).toBe(offset - 1n)
    expect(Array.from(read.key ?? [])).toEqual(Array.from(key))
    expect(Array.from(read.value ?? [])).toEqual(Array.from(value))
    expect(read.headers).toEqual(headers)
    expect(read.recordTimestamp.toISOString()).toBe('2026-11-22T10:11:12.345Z')
    expect(read.plant?.code).toBe(p.code)

    const triaged = await db.prisma.deadLetter.update({
      where: { id: created.id },
      data: { status: 'triaged', assigneeId: 'op-1', businessKeys: { orderId: '4711', lines: ['10', '20'] } },
    })
    expect(triaged).toMatchObject({ status: 'triaged', businessKeys: { orderId: '4711', lines: ['10', '20'] } })
    expect(
      await db.prisma.deadLetter.count({ where: { businessKeys: { path: ['orderId'], equals: '4711' }, topic } }),
    ).toBe(1)

    expect(await violation(deadLetter({ topic, partition: 7, offset }))).toBe('unique')
    await deadLetter({ topic, partition: 8, offset }) // another partition, same offset: fine

    await db.prisma.deadLetter.delete({ where: { id: created.id } })
    expect(await db.prisma.deadLetter.count({ where: { topic } })).toBe(1)
  })

  test('DeadLetter "failed again" chain: previous/next, and deleting the previous one detaches the next', async () => {
    const first = await deadLetter()
    const second = await deadLetter({ previousId: first.id, status: 'failed_again' })
    const withNext = await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: first.id }, include: { next: true } })
    expect(withNext.next.map((d) => d.id)).toEqual([second.id])
    const withPrevious = await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: second.id }, include: { previous: true } })
    expect(withPrevious.previous?.id).toBe(first.id)
    await db.prisma.deadLetter.delete({ where: { id: first.id } })
    expect((await db.prisma.deadLetter.findUniqueOrThrow({ where: { id: second.id } })).previousId).toBeNull()
  })

  test('ReplayJob with items: defaults, Bytes/BigInt, unique (jobId, deadLetterId), restrict and cascade', async () => {
    const dl = await deadLetter()
    const job = await db.prisma.replayJob.create({
      data: {
        createdById: 'op-1',
        createdByLabel: 'op@example.com',
        reason: 'ERP back online',
        selection: { fingerprint: 'fp', status: ['new', 'triaged'] },
        items: { create: { deadLetterId: dl.id, targetTopic: 'erp.postings', editedValue: new Uint8Array([1, 2, 3]), previousStatus: 'new' } },
      },
      include: { items: true },
    })
    expect(job).toMatchObject({ status: 'draft', ratePerSecond: 50, forced: false, total: 0, succeeded: 0, failed: 0, skipped: 0 })
    expect(job.items[0]).toMatchObject({ status: 'pending', diff: null, producedOffset: null })

    const itemId = job.items[0]?.id ?? ''
    const produced = await db.prisma.replayItem.update({
      where: { id: itemId },
      data: { status: 'produced', producedPartition: 3, producedOffset: 12_345_678_901_234n, diff: [{ op: 'replace', path: '/qty', value: 3 }] },
      include: { deadLetter: true, job: true },
    })
    expect(produced.producedOffset).toBe(12_345_678_901_234n)
    expect(Array.from(produced.editedValue ?? [])).toEqual([1, 2, 3])
    expect(produced.diff).toEqual([{ op: 'replace', path: '/qty', value: 3 }])
    expect(produced.deadLetter.id).toBe(dl.id)

    const claimed = await db.prisma.replayJob.update({
      where: { id: job.id },
      data: { status: 'running', leaseOwner: 'worker-1', leaseUntil: new Date(Date.now() + 30_000), startedAt: new Date(), succeeded: { increment: 1 } },
    })
    expect(claimed).toMatchObject({ status: 'running', leaseOwner: 'worker-1', succeeded: 1 })
    expect(await db.prisma.replayJob.count({ where: { status: 'running', id: job.id } })).toBe(1)

    expect(await violation(db.prisma.replayItem.create({ data: { jobId: job.id, deadLetterId: dl.id, targetTopic: 't', previousStatus: 'new' } }))).toBe('unique')
    // At most one open (pending) item per dead letter across jobs (partial unique index).
    const other = () => db.prisma.replayJob.create({ data: { createdByLabel: 'op', reason: 'r', selection: {} } })
    const [second, third] = [await other(), await other()]
    await db.prisma.replayItem.create({ data: { jobId: second.id, deadLetterId: dl.id, targetTopic: 't', previousStatus: 'new' } })
    expect(await violation(db.prisma.replayItem.create({ data: { jobId: third.id, deadLetterId: dl.id, targetTopic: 't', previousStatus: 'new' } }))).toBe('unique')
    await db.prisma.replayJob.deleteMany({ where: { id: { in: [second.id, third.id] } } })
    // A dead letter with replay history cannot vanish (ON DELETE RESTRICT).
    expect(await violation(db.prisma.deadLetter.delete({ where: { id: dl.id } }))).toBe('foreign key')
    expect(await db.prisma.deadLetter.count({ where: { id: dl.id } })).toBe(1)

    await db.prisma.replayJob.delete({ where: { id: job.id } })
    expect(await db.prisma.replayItem.count({ where: { jobId: job.id } })).toBe(0)
    await db.prisma.deadLetter.delete({ where: { id: dl.id } })
  })

  test('AuditLog: BigInt autoincrement ids, optional Json, ordering by time', async () => {
    const targetId = uid('plant')
    const a = await db.prisma.auditLog.create({
      data: { actorLabel: 'system', action: 'plant.discovered', targetType: 'plant', targetId, after: { code: targetId } },
    })
    const b = await db.prisma.auditLog.create({
      data: {
        actorId: 'u1', actorLabel: 'Ada', action: 'plant.renamed', targetType: 'plant', targetId, reason: 'typo',
        before: { name: 'A' }, after: { name: 'B' }, ip: '10.0.0.1', at: new Date(Date.now() + 1000),
      },
    })
    expect(typeof a.id).toBe('bigint')
    expect(b.id).toBeGreaterThan(a.id)
    expect(a.before).toBeNull()
    const trail = await db.prisma.auditLog.findMany({ where: { targetType: 'plant', targetId }, orderBy: { at: 'asc' } })
    expect(trail.map((e) => e.action)).toEqual(['plant.discovered', 'plant.renamed'])
    expect(trail[1]?.before).toEqual({ name: 'A' })
    const cleared = await db.prisma.auditLog.update({ where: { id: b.id }, data: { before: Prisma.DbNull } })
    expect(cleared.before).toBeNull()
    await db.prisma.auditLog.delete({ where: { id: a.id } })
    expect(await db.prisma.auditLog.count({ where: { targetId } })).toBe(1)
  })

  test('an interactive transaction rolls back on error and commits otherwise', async () => {
    const code = uid('TX')
    await expect(
      db.prisma.$transaction(async (tx) => {
        await tx.plant.create({ data: { code, name: 'x', timeZone: 'UTC', shiftCalendar: [] } })
        expect(await tx.plant.count({ where: { code } })).toBe(1)
        throw new Error('abort on purpose')
      }),
    ).rejects.toThrow('abort on purpose')
    expect(await db.prisma.plant.count({ where: { code } })).toBe(0)

    await db.prisma.$transaction(async (tx) => {
      await tx.plant.create({ data: { code, name: 'x', timeZone: 'UTC', shiftCalendar: [] } })
      await tx.auditLog.create({ data: { actorLabel: 'test', action: 'plant.created', targetType: 'plant', targetId: code } })
    })
    expect(await db.prisma.plant.count({ where: { code } })).toBe(1)
    expect(await db.prisma.auditLog.count({ where: { targetId: code } })).toBe(1)
  })
})
