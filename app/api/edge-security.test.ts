import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeServedHeaders } from '@/server/auth/testing/served-headers'
import { restHandler } from '@/server/rest/handler'
import type { Runtime } from '@/server/runtime'
import { startTestRuntime } from '@/server/testing/runtime'
import { POST as authPost } from './auth/[...all]/route'
import { GET as listChannels, POST as createChannel } from './v1/alert-channels/route'
import { GET as exportDeadLetters } from './v1/dead-letters/export/route'
import { GET as deadLetter } from './v1/dead-letters/[id]/route'
import { GET as listDeadLetters } from './v1/dead-letters/route'
import { GET as trpcGet, POST as trpcPost } from './trpc/[trpc]/route'

/**
 * The attacks of issue #18 against the console's real route handlers (as scripts/serve.ts hands
 * requests to them): cross-origin requests riding the session cookie, NUL bytes, oversized
 * bodies and batches, and internal error text reaching the browser.
 */

let runtime: Runtime
let stop: () => Promise<void>
let cookie: string
let admin: string
const CONSOLE = 'http://localhost:3000'
beforeAll(async () => {
  ;({ runtime, stop } = await startTestRuntime({ PORT: '3000' }))
  admin = runtime.config.adminApiToken!
  const signedIn = await signIn({ email: 'admin@linetrace.local', password: 'linetrace-admin' })
  expect(signedIn.status).toBe(200)
  cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ')
})
afterAll(() => stop())

function signIn(body: unknown, headers: Record<string, string> = {}) {
  const init = makeServedHeaders('127.0.0.1', { host: 'localhost:3000', origin: CONSOLE, 'content-type': 'application/json', ...headers })
  return authPost(new Request(`${CONSOLE}/api/auth/sign-in/email`, { method: 'POST', headers: init, body: typeof body === 'string' ? body : JSON.stringify(body) }))
}

/** A request as a browser (cookie) or a script (bearer) sends it to the console. */
function request(path: string, init: { method?: string; headers?: Record<string, string>; body?: BodyInit; duplex?: 'half' } = {}) {
  return new Request(`${CONSOLE}${path}`, { ...init, headers: makeServedHeaders('127.0.0.1', { host: 'localhost:3000', ...init.headers }) })
}

const channel = (name: string) => JSON.stringify({ name, kind: 'webhook', url: 'https://hooks.example.com/linetrace' })
const channelNames = async () =>
  ((await (await listChannels(request('/api/v1/alert-channels', { headers: { authorization: `Bearer ${admin}` } }))).json()) as { channels: { name: string }[] }).channels.map((c) => c.name)

describe('CSRF: state-changing requests riding the session cookie', () => {
  it('refuses the cross-origin text/plain POST of the review, and creates nothing', async () => {
    const attack = await createChannel(
      request('/api/v1/alert-channels', { method: 'POST', headers: { cookie, origin: 'http://localhost:4401', 'content-type': 'text/plain;charset=UTF-8' }, body: channel('csrf-plain') }),
    )
    expect(attack.status).toBe(403)
    // JSON from another origin (a CORS request the console never allows) and no Origin at all: refused too.
    const json = await createChannel(request('/api/v1/alert-channels', { method: 'POST', headers: { cookie, origin: 'http://localhost:4401', 'content-type': 'application/json' }, body: channel('csrf-json') }))
    expect(json.status).toBe(403)
    expect(((await json.json()) as { error: { message: string } }).error.message).toContain('http://localhost:4401')
    const sameSite = await createChannel(
      request('/api/v1/alert-channels', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-site', 'content-type': 'application/json' }, body: channel('csrf-site') }),
    )
    expect(sameSite.status).toBe(403)
    expect(await channelNames()).not.toEqual(expect.arrayContaining(['csrf-plain']))
    expect((await channelNames()).filter((n) => n.startsWith('csrf-'))).toEqual([])
  })

  it('lets the console itself (same origin, JSON) and scripts with a token (any content type) through', async () => {
    const console = await createChannel(request('/api/v1/alert-channels', { method: 'POST', headers: { cookie, origin: CONSOLE, 'content-type': 'application/json' }, body: channel('from-console') }))
    expect(console.status).toBe(201)
    const fetchMetadata = await createChannel(
      request('/api/v1/alert-channels', { method: 'POST', headers: { cookie, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, body: channel('from-console-2') }),
    )
    expect(fetchMetadata.status).toBe(201)
    const script = await createChannel(request('/api/v1/alert-channels', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'text/plain' }, body: channel('from-script') }))
    expect(script.status).toBe(201)
    expect(await channelNames()).toEqual(expect.arrayContaining(['from-console', 'from-console-2', 'from-script']))
  })

  it('refuses cookie tRPC mutations from another origin, whatever their content type', async () => {
    const body = JSON.stringify({ json: { name: 'csrf-trpc', kind: 'webhook', url: 'https://hooks.example.com/x' } })
    const attack = (headers: Record<string, string>, payload: BodyInit = body) =>
      trpcPost(request('/api/trpc/alerts.channels.create', { method: 'POST', headers: { cookie, origin: 'http://localhost:4401', ...headers }, body: payload }))
    // text/plain, and a Blob without a type (no Content-Type at all): tRPC itself answers 415.
    expect((await attack({ 'content-type': 'text/plain' })).status).toBe(415)
    expect((await attack({}, new Blob([body]))).status).toBe(415)
    // JSON (which a browser sends cross-origin only after a preflight the console never answers).
    const json = await attack({ 'content-type': 'application/json' })
    expect(json.status).toBe(403)
    expect(await json.text()).toContain('Cross-origin request refused')
    const same = await trpcPost(request('/api/trpc/alerts.channels.create', { method: 'POST', headers: { cookie, origin: CONSOLE, 'content-type': 'application/json' }, body: body.replace('csrf-trpc', 'trpc-console') }))
    expect(same.status).toBe(200)
    expect(await channelNames()).toEqual(expect.arrayContaining(['trpc-console']))
    expect(await channelNames()).not.toEqual(expect.arrayContaining(['csrf-trpc']))
  })

  it('keeps better-auth refusing a sign-in posted by another origin (login CSRF)', async () => {
    const foreign = await signIn({ email: 'admin@linetrace.local', password: 'linetrace-admin' }, { origin: 'http://localhost:4401' })
    expect(foreign.status).toBe(403)
    expect(foreign.headers.getSetCookie()).toEqual([])
  })
})

describe('text no store can hold: 400 naming the parameter', () => {
  it('answers ?q=%00 and a NUL path id with 400, not a store error', async () => {
    const bearer = { authorization: `Bearer ${admin}` }
    const q = await listDeadLetters(request('/api/v1/dead-letters?q=%00', { headers: bearer }))
    expect(q.status).toBe(400)
    expect(((await q.json()) as { error: { details: { param: string }[] } }).error.details[0]!.param).toBe('q')
    const surrogate = await listDeadLetters(request('/api/v1/dead-letters?topic=%ED%A0%80', { headers: bearer }))
    // %ED%A0%80 decodes to U+FFFD (WHATWG URL parsing), a real character: allowed.
    expect(surrogate.status).toBe(200)
    const id = await deadLetter(request('/api/v1/dead-letters/a%00b', { headers: bearer }), { params: Promise.resolve({ id: 'a\u0000b' }) })
    expect(id.status).toBe(400)
    expect(((await id.json()) as { error: { message: string } }).error.message).toContain('id')
  })

  it('refuses a NUL export before the first byte instead of a 200 with a truncated file', async () => {
    const response = await exportDeadLetters(request('/api/v1/dead-letters/export?q=a%00b', { headers: { authorization: `Bearer ${admin}` } }))
    expect(response.status).toBe(400)
    expect(response.headers.get('content-type')).toContain('application/json')
  })

  it('refuses a lone surrogate or NUL in a JSON body and in a tRPC input', async () => {
    const body = await createChannel(request('/api/v1/alert-channels', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: '{"name":"a\\ud800","kind":"webhook","url":"https://hooks.example.com/x"}' }))
    expect(body.status).toBe(400)
    expect(((await body.json()) as { error: { details: { param: string }[] } }).error.details[0]!.param).toBe('name')
    const input = encodeURIComponent(JSON.stringify({ json: { id: 'a\u0000b' } }))
    const trpc = await trpcGet(request(`/api/trpc/deadLetters.get?input=${input}`, { headers: { authorization: `Bearer ${admin}` } }))
    expect(trpc.status).toBe(400)
    expect(((await trpc.json()) as { error: { json: { message: string } } }).error.json.message).toContain('id must not contain NUL')
  })
})

describe('internal errors', () => {
  it('answers an unexpected REST failure with an id only, never its text', async () => {
    const failing = restHandler({ role: 'viewer' }, async () => {
      throw new Error('Invalid `prisma.plant.findMany()` invocation: connection to 10.0.0.9 refused')
    })
    const response = await failing(request('/api/v1/plants', { headers: { authorization: `Bearer ${admin}` } }))
    expect(response.status).toBe(500)
    const { error } = (await response.json()) as { error: { code: string; message: string } }
    expect(error).toEqual({ code: 'INTERNAL', message: expect.stringMatching(/^internal error \(id [0-9a-f]{12}\)$/) })
  })

  it('answers a bad audit cursor with 400 instead of leaking "Cannot convert abc to a BigInt"', async () => {
    const input = encodeURIComponent(JSON.stringify({ json: { cursor: 'abc' } }))
    const response = await trpcGet(request(`/api/trpc/admin.audit.list?input=${input}`, { headers: { authorization: `Bearer ${admin}` } }))
    expect(response.status).toBe(400)
    expect(await response.text()).not.toContain('BigInt')
  })

  it('answers a token revoke of an unknown id with 404, not the Prisma invocation', async () => {
    const response = await trpcPost(request('/api/trpc/admin.tokens.revoke', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ json: { id: 'no-such-token' } }) }))
    expect(response.status).toBe(404)
    const text = await response.text()
    expect(text).not.toMatch(/prisma|invocation|apiToken\.update/i)
  })
})

describe('body and batch caps', () => {
  /** A body streamed without Content-Length, counting what the server pulled. */
  function streamed(bytes: number) {
    const chunk = new Uint8Array(64 * 1024).fill(0x20)
    let sent = 0
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= bytes) return controller.close()
        sent += chunk.byteLength
        controller.enqueue(chunk)
      },
    })
    return { body, sent: () => sent }
  }

  it('answers a 10 MB sign-in body with 413 JSON, from Content-Length, before reading it', async () => {
    const huge = `{"email":"admin@linetrace.local","password":"${'x'.repeat(10 * 1024 * 1024)}"}`
    const response = await signIn(huge)
    expect(response.status).toBe(413)
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('stops reading a streamed (chunked) sign-in body at the cap', async () => {
    const { body, sent } = streamed(10 * 1024 * 1024)
    const headers = makeServedHeaders('127.0.0.1', { host: 'localhost:3000', origin: CONSOLE, 'content-type': 'application/json' })
    const response = await authPost(new Request(`${CONSOLE}/api/auth/sign-in/email`, { method: 'POST', headers, body, duplex: 'half' } as RequestInit))
    expect(response.status).toBe(413)
    expect(sent()).toBeLessThan(2 * 1024 * 1024)
  })

  it('caps REST and tRPC bodies at MAX_BODY_BYTES', async () => {
    const big = JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), kind: 'webhook', url: 'https://hooks.example.com/x' })
    const rest = await createChannel(request('/api/v1/alert-channels', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: big }))
    expect(rest.status).toBe(413)
    const trpc = await trpcPost(request('/api/trpc/alerts.channels.create', { method: 'POST', headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, body: JSON.stringify({ json: JSON.parse(big) }) }))
    expect(trpc.status).toBe(413)
  })

  it('refuses a batch of more than 50 calls with 400 JSON, and serves 50', async () => {
    const batch = (n: number) => {
      const paths = Array.from({ length: n }, () => 'me.get').join(',')
      const input = encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [i, {}]))))
      return trpcGet(request(`/api/trpc/${paths}?batch=1&input=${input}`, { headers: { authorization: `Bearer ${admin}` } }))
    }
    const tooMany = await batch(51)
    expect(tooMany.status).toBe(400)
    expect(tooMany.headers.get('content-type')).toContain('application/json')
    expect((await batch(50)).status).toBe(200)
  })
})
