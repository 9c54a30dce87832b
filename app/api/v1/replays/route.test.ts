import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Runtime } from '@/server/runtime'
import { startTestRuntime } from '@/server/testing/runtime'
import { createApiToken } from '@/server/services/users/users'
import { insertDeadLetter, rid } from '@/server/services/testing/replays'
import { GET as list, POST } from './route'
import { GET } from './[id]/route'
import { POST as control } from './[id]/[action]/route'

let runtime: Runtime
let stop: () => Promise<void>
const tokens: Record<'viewer' | 'operator' | 'checker', string> = { viewer: '', operator: '', checker: '' }

beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime())
  const prisma = runtime.db.prisma
  const system = { userId: null, label: 'test' }
  for (const role of ['viewer', 'operator'] as const) {
    const user = await prisma.user.findUniqueOrThrow({ where: { email: `${role}@linetrace.local` } })
    tokens[role] = (await createApiToken({ db: prisma, principal: system }, { userId: user.id, name: `rest-${role}` })).token
  }
  const admin = await prisma.user.findUniqueOrThrow({ where: { email: 'admin@linetrace.local' } })
  tokens.checker = (await createApiToken({ db: prisma, principal: system }, { userId: admin.id, name: 'rest-admin' })).token
})
afterAll(() => stop())

const url = 'http://localhost/api/v1/replays'
const auth = (token?: string): Record<string, string> => (token ? { authorization: `Bearer ${token}` } : {})
const post = (body: unknown, token?: string) =>
  POST(new Request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(token) }, body: typeof body === 'string' ? body : JSON.stringify(body) }))
const getJob = (id: string, query = '', token = tokens.operator) => GET(new Request(`${url}/${id}${query}`, { headers: auth(token) }), { params: Promise.resolve({ id }) })
const act = (id: string, action: string, body: unknown, token = tokens.operator) =>
  control(new Request(`${url}/${id}/${action}`, { method: 'POST', headers: auth(token), body: JSON.stringify(body) }), { params: Promise.resolve({ id, action }) })

describe('POST /api/v1/replays', () => {
  it('answers 401 without a token and 403 for a viewer', async () => {
    expect((await post({ dryRun: true, filter: {} })).status).toBe(401)
    const viewer = await post({ dryRun: true, filter: {} }, tokens.viewer)
    expect(viewer.status).toBe(403)
    expect((await viewer.json()).error.message).toMatch(/operator role/)
  })

  it('answers 400 naming the problem for a malformed body', async () => {
    const notJson = await post('{dryRun: yes', tokens.operator)
    expect(notJson.status).toBe(400)
    expect((await notJson.json()).error.message).toMatch(/must be JSON/)
    const noFlag = await post({ filter: {} }, tokens.operator)
    expect((await noFlag.json()).error.details[0]).toMatchObject({ param: 'dryRun' })
    const both = await post({ dryRun: true, filter: {}, deadLetterIds: ['x'] }, tokens.operator)
    expect(both.status).toBe(400)
    expect((await both.json()).error.details[0].message).toMatch(/exactly one/)
    const badRate = await post({ dryRun: true, filter: {}, ratePerSecond: 5000 }, tokens.operator)
    expect((await badRate.json()).error.details[0]).toMatchObject({ param: 'ratePerSecond' })
  })

  it('dry-runs with counts, creates the job (201), shows its progress, refuses a second replay (409)', async () => {
    const prisma = runtime.db.prisma
    const source = rid('lt.hub.rest')
    const code = `E${rid('').slice(1, 7)}`
    const dls = await Promise.all([1, 2, 3].map(() => insertDeadLetter(prisma, { plant: '2000', sourceTopic: source, errorCode: code })))
    const filter = { plant: '2000', errorCode: [code] }

    const dry = await post({ dryRun: true, filter }, tokens.operator)
    expect(dry.status).toBe(200)
    const { dryRun } = await dry.json()
    expect(dryRun).toMatchObject({ selected: 3, replayable: 3, byTarget: [{ topic: source, count: 3 }], approval: { required: false } })
    expect(await prisma.deadLetter.count({ where: { errorCode: code, status: 'new' } })).toBe(3)

    const noReason = await post({ dryRun: false, filter }, tokens.operator)
    expect(noReason.status).toBe(400)
    expect((await noReason.json()).error.message).toMatch(/needs a reason/)

    const created = await post({ dryRun: false, filter, reason: 'Period 2026/11 opened', ratePerSecond: 25 }, tokens.operator)
    expect(created.status).toBe(201)
    const { job } = await created.json()
    expect(job).toMatchObject({ status: 'queued', total: 3, remaining: 3, ratePerSecond: 25, plants: ['2000'], createdBy: 'operator@linetrace.local (token rest-operator)' })

    const shown = await getJob(job.id)
    expect(shown.status).toBe(200)
    const body = await shown.json()
    expect(body.job).toMatchObject({ id: job.id, succeeded: 0, remaining: 3 })
    expect(body.items.map((i: { deadLetterId: string }) => i.deadLetterId).sort()).toEqual(dls.map((d) => d.row.id).sort())
    expect(body.items[0]).toMatchObject({ status: 'pending', targetTopic: source, deadLetter: { status: 'replay_queued', plant: '2000' } })

    const again = await post({ dryRun: false, deadLetterIds: dls.map((d) => d.row.id), reason: 'again' }, tokens.operator)
    expect(again.status).toBe(409)
    expect((await again.json()).error.message).toMatch(/Nothing to replay/)

    // Control: pause needs nothing, abort needs a reason.
    expect((await act(job.id, 'pause', {})).status).toBe(200)
    expect((await act(job.id, 'abort', {})).status).toBe(400)
    const aborted = await act(job.id, 'abort', { reason: 'Wrong group' })
    expect((await aborted.json()).job).toMatchObject({ status: 'aborted', skipped: 3 })
    expect((await act(job.id, 'explode', {})).status).toBe(400)
  })

  it('keeps an operator inside their plants', async () => {
    const prisma = runtime.db.prisma
    const outside = await insertDeadLetter(prisma, { plant: '3000' })
    const forbidden = await post({ dryRun: true, filter: { plant: '3000' } }, tokens.operator)
    expect(forbidden.status).toBe(403)
    expect((await forbidden.json()).error.message).toMatch(/not in your plants/)
    const byId = await (await post({ dryRun: true, deadLetterIds: [outside.row.id] }, tokens.operator)).json()
    expect(byId.dryRun).toMatchObject({ replayable: 0, notReplayable: [{ deadLetterId: outside.row.id, reason: 'outside_scope', plant: null }] })
    const forced = await post({ dryRun: true, deadLetterIds: [outside.row.id], force: true, forceReason: 'because' }, tokens.operator)
    expect(forced.status).toBe(403)

    // A job in plant 3000 is invisible to the operator.
    const created = await post({ dryRun: false, deadLetterIds: [outside.row.id], reason: 'Admin replays it' }, runtime.config.adminApiToken)
    const { job } = await created.json()
    expect((await getJob(job.id)).status).toBe(404)
    expect((await getJob(job.id, '', runtime.config.adminApiToken!)).status).toBe(200)
    const listed = await (await list(new Request(`${url}?status=queued`, { headers: auth(tokens.operator) }))).json()
    expect(listed.jobs.map((j: { id: string }) => j.id)).not.toContain(job.id)
  })

  it('maker/checker over REST: the maker cannot approve, another person can', async () => {
    const prisma = runtime.db.prisma
    await prisma.plant.update({ where: { code: '1000' }, data: { replayApprovalRequired: true } })
    try {
      const dls = await Promise.all([1, 2].map(() => insertDeadLetter(prisma, { plant: '1000' })))
      const created = await post({ dryRun: false, deadLetterIds: dls.map((d) => d.row.id), reason: 'Bulk in a strict plant' }, tokens.operator)
      const { job } = await created.json()
      expect(job.status).toBe('awaiting_approval')
      const own = await act(job.id, 'approve', {})
      expect(own.status).toBe(403)
      expect((await own.json()).error.message).toMatch(/maker\/checker/)
      // The bootstrap token is no person: it cannot be the second one.
      const bootstrap = await act(job.id, 'approve', {}, runtime.config.adminApiToken!)
      expect(bootstrap.status).toBe(403)
      expect((await bootstrap.json()).error.message).toMatch(/^ADMIN_API_TOKEN is not a person, so it cannot approve/)
      const approved = await act(job.id, 'approve', {}, tokens.checker)
      expect((await approved.json()).job).toMatchObject({ status: 'queued', approvedBy: 'admin@linetrace.local (token rest-admin)' })
    } finally {
      await prisma.plant.update({ where: { code: '1000' }, data: { replayApprovalRequired: false } })
    }
  })
})
