import { fetchRequestHandler } from '@trpc/server/adapters/fetch'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { DomainError } from '../domain/errors'
import { logger } from '../logger'
import type { Runtime } from '../runtime'
import { publicProcedure, router } from '../trpc'

/** Errors as the browser sees them through the real tRPC setup (formatter and error mapping). */

const PRISMA_TEXT = 'Invalid `prisma.user.create()` invocation: Unique constraint failed on the constraint: `user_email_key`'

class PrismaClientKnownRequestError extends Error {
  override name = 'PrismaClientKnownRequestError'
  constructor(readonly code: string) {
    super(PRISMA_TEXT)
  }
}

const testRouter = router({
  crash: publicProcedure.query(() => {
    throw new Error(PRISMA_TEXT)
  }),
  bigint: publicProcedure.query(() => BigInt('abc')),
  taken: publicProcedure.query(() => {
    throw new PrismaClientKnownRequestError('P2002')
  }),
  domain: publicProcedure.query(() => {
    throw new DomainError('CONFLICT', 'A user with email a@b.c already exists.')
  }),
})

async function call(path: string): Promise<{ status: number; message: string; body: string }> {
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: new Request(`http://localhost/api/trpc/${path}`),
    router: testRouter,
    createContext: () => ({ runtime: {} as Runtime, principal: null, clientAddress: null }),
  })
  const body = await response.text()
  return { status: response.status, message: (JSON.parse(body) as { error: { json: { message: string } } }).error.json.message, body }
}

afterEach(() => vi.restoreAllMocks())

describe('internal errors reaching the browser', () => {
  it('hide an unexpected error behind an id that leads to the detail in the log', async () => {
    const log = vi.spyOn(logger, 'error').mockImplementation(() => undefined)
    const { status, message, body } = await call('crash')
    expect(status).toBe(500)
    expect(message).toMatch(/^internal error \(id [0-9a-f]{12}\)$/)
    expect(body).not.toMatch(/prisma|constraint|user_email_key|stack/i)
    const id = /id ([0-9a-f]{12})/.exec(message)![1]
    const logged = log.mock.calls.map(([fields]) => fields as unknown as { errorId?: string; err?: Error })
    expect(logged.find((f) => f.errorId === id)?.err?.message).toBe(PRISMA_TEXT)
  })

  it('hide a failed BigInt conversion the same way', async () => {
    vi.spyOn(logger, 'error').mockImplementation(() => undefined)
    const { status, body } = await call('bigint')
    expect(status).toBe(500)
    expect(body).not.toContain('BigInt')
  })

  it('map a unique-constraint failure to a conflict in plain words, and keep domain messages', async () => {
    const taken = await call('taken')
    expect(taken.status).toBe(409)
    expect(taken.message).toMatch(/already exists/)
    expect(taken.body).not.toMatch(/prisma|user_email_key/i)
    expect(await call('domain')).toMatchObject({ status: 409, message: 'A user with email a@b.c already exists.' })
  })
})
