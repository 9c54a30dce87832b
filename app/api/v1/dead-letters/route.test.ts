import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '@/server/runtime'
import { startTestRuntime } from '@/server/testing/runtime'
import { createApiToken } from '@/server/services/users/users'
import { insertDeadLetter, rid, insertUniquePlant } from '@/server/services/testing/replays'
import { GET as list } from './route'
import { GET as getOne } from './[id]/route'
import { GET as exportCsv } from './export/route'
import { GET as getValue } from './[id]/value/route'

let runtime: Runtime
let stop: () => Promise<void>
let viewer = ''
let plant = ''
let otherPlant = ''

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const prisma = runtime.db.prisma
  plant = await insertUniquePlant(prisma)
  otherPlant = await insertUniquePlant(prisma)
  const user = await prisma.user.findUniqueOrThrow({ where: { email: 'viewer@linetrace.local' } })
  await prisma.userPlantScope.create({ data: { userId: user.id, plantCode: plant } })
  viewer = (await createApiToken({ db: prisma, principal: { userId: null, label: 'test' } }, { userId: user.id, name: rid('rest-viewer') })).token
})
afterAll(() => stop())

const base = 'http://localhost/api/v1/dead-letters'
const auth = (token: string) => ({ authorization: `Bearer ${token}` })

describe('GET /api/v1/dead-letters', () => {
  it('answers 401 without a token', async () => {
    expect((await list(new Request(base))).status).toBe(401)
  })

  it('lists the token’s plants with decoded fields and state; list facets comma-separated; limit and cursor page', async () => {
    const prisma = runtime.db.prisma
    const a = await insertDeadLetter(prisma, { plant, errorCode: 'M7/053', convention: 'spring' })
    await insertDeadLetter(prisma, { plant, errorCode: 'M7/053', status: 'triaged' })
    await insertDeadLetter(prisma, { plant, errorCode: 'M3/305' })
    await insertDeadLetter(prisma, { plant: otherPlant, errorCode: 'M7/053' })

    const res = await list(new Request(`${base}?plant=${plant}&errorCode=M7/053&status=new,triaged&limit=1`, { headers: auth(viewer) }))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { items: Record<string, unknown>[]; total: number; nextCursor: string | null }
    expect(body.total).toBe(2)
    expect(body.items).toHaveLength(1)
    expect(body.nextCursor).not.toBeNull()
    const next = (await (await list(new Request(`${base}?plant=${plant}&errorCode=M7/053&status=new,triaged&limit=1&cursor=${body.nextCursor}`, { headers: auth(viewer) }))).json()) as typeof body
    const ids = [...body.items, ...next.items].map((i) => i.id)
    expect(ids).toContain(a.row.id)
    const item = [...body.items, ...next.items].find((i) => i.id === a.row.id)!
    expect(item).toMatchObject({ status: 'new', convention: 'spring', sourceTopic: a.row.sourceTopic, sourcePartition: 1, sourceOffset: String(a.row.sourceOffset), errorCode: 'M7/053', plant })
    // Issue 19: each item carries what to do about its error.
    expect(item.guidance).toMatchObject({ key: 'M7/053', title: 'Posting period closed', replayBeforeFixCanSucceed: false })

    const forbidden = await list(new Request(`${base}?plant=${otherPlant}`, { headers: auth(viewer) }))
    expect(forbidden.status).toBe(403)
    const bad = await list(new Request(`${base}?status=bogus`, { headers: auth(viewer) }))
    expect(bad.status).toBe(400)
  })

  it('GET /{id}: the detail in scope, 404 outside it', async () => {
    const prisma = runtime.db.prisma
    const mine = await insertDeadLetter(prisma, { plant })
    const theirs = await insertDeadLetter(prisma, { plant: otherPlant })
    const ok = await getOne(new Request(`${base}/${mine.row.id}`, { headers: auth(viewer) }), { params: Promise.resolve({ id: mine.row.id }) })
    expect(ok.status).toBe(200)
    const detail = (await ok.json()) as { id: string; headers: { key: string }[]; payload: string }
    expect(detail.id).toBe(mine.row.id)
    expect(detail.headers.map((h) => h.key)).toContain('kafka_dlt-original-offset')
    expect(JSON.parse(detail.payload)).toMatchObject({ plant })
    const hidden = await getOne(new Request(`${base}/${theirs.row.id}`, { headers: auth(viewer) }), { params: Promise.resolve({ id: theirs.row.id }) })
    expect(hidden.status).toBe(404)
  })

  it('items carry where they failed as `source`: Connect connector/task/stage/class; Spring group and original time; nulls otherwise', async () => {
    const prisma = runtime.db.prisma
    const code = `CN/${Math.floor(Math.random() * 900) + 100}`
    const connect = await insertDeadLetter(prisma, { plant, errorCode: code, convention: 'connect', consumerGroup: 'connect-erp-sink' })
    await prisma.deadLetter.update({
      where: { id: connect.row.id },
      data: { connector: 'erp-sink', taskId: '1', stage: 'VALUE_CONVERTER', executingClass: 'io.confluent.connect.avro.AvroConverter' },
    })
    const original = new Date('2026-12-01T08:00:00.000Z')
    const spring = await insertDeadLetter(prisma, { plant, errorCode: code, convention: 'spring', consumerGroup: 'mes-posting' })
    await prisma.deadLetter.update({ where: { id: spring.row.id }, data: { sourceTimestamp: original } })

    const res = await list(new Request(`${base}?plant=${plant}&errorCode=${code}`, { headers: auth(viewer) }))
    const items = ((await res.json()) as { items: { id: string; source: unknown }[] }).items
    expect(items.find((i) => i.id === connect.row.id)?.source).toEqual({
      connector: 'erp-sink',
      task: '1',
      stage: 'VALUE_CONVERTER',
      class: 'io.confluent.connect.avro.AvroConverter',
      consumerGroup: 'connect-erp-sink',
      originalTimestamp: null,
      processorNode: null,
    })
    expect(items.find((i) => i.id === spring.row.id)?.source).toEqual({
      connector: null,
      task: null,
      stage: null,
      class: null,
      consumerGroup: 'mes-posting',
      originalTimestamp: original.toISOString(),
      processorNode: null,
    })

    const csv = (await (await exportCsv(new Request(`${base}/export?plant=${plant}&errorCode=${code}`, { headers: auth(viewer) }))).text()).trim().split('\r\n')
    expect(csv[0]!.endsWith(',source_timestamp,connector,task,stage,executing_class,processor_node')).toBe(true)
    expect(csv.some((l) => l.endsWith(',,erp-sink,1,VALUE_CONVERTER,io.confluent.connect.avro.AvroConverter,'))).toBe(true)
    expect(csv.some((l) => l.endsWith(`,${original.toISOString()},,,,,`))).toBe(true)
  })

  it('a value over 1 MiB: the detail shows the first MiB, GET /{id}/value downloads it whole (in scope only)', async () => {
    const prisma = runtime.db.prisma
    const big = Buffer.alloc(1024 * 1024 + 512 * 1024, 'x')
    const mine = await insertDeadLetter(prisma, { plant, value: big })
    const theirs = await insertDeadLetter(prisma, { plant: otherPlant })
    const params = (id: string) => ({ params: Promise.resolve({ id }) })
    const detail = (await (await getOne(new Request(`${base}/${mine.row.id}`, { headers: auth(viewer) }), params(mine.row.id))).json()) as { payload: string; payloadBytes: number; payloadTruncated: boolean }
    expect(detail).toMatchObject({ payloadBytes: big.length, payloadTruncated: true })
    expect(detail.payload).toHaveLength(1024 * 1024)
    const whole = await getValue(new Request(`${base}/${mine.row.id}/value`, { headers: auth(viewer) }), params(mine.row.id))
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-disposition')).toMatch(/^attachment; filename="dead-letter-/)
    expect(Buffer.from(await whole.arrayBuffer()).equals(big)).toBe(true)
    expect((await getValue(new Request(`${base}/${theirs.row.id}/value`, { headers: auth(viewer) }), params(theirs.row.id))).status).toBe(404)
  })

  it('GET /export: CSV of the filter', async () => {
    const res = await exportCsv(new Request(`${base}/export?plant=${plant}&errorCode=M3/305`, { headers: auth(viewer) }))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    const lines = (await res.text()).trim().split('\r\n')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toContain('M3/305')
  })
})
