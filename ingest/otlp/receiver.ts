import type { BusProducer, Transport } from '../../server/bus/port'
import { apiTokenScopes, bearerToken, matchesBootstrapToken } from '../../server/auth/api-tokens'
import type { Config } from '../../server/config'
import type { ApiTokenScope } from '../../server/domain/token-scopes'
import type { PrismaClient } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import { checkTraceRequest, OtlpDecodeError } from './decode'
import { otlpMetrics } from './metrics'
import { errorResponse, exportResponse, responseEncoding, type OtlpResponse } from './response'
import { otlpTopicSpec } from './source'

/**
 * `POST /v1/traces` (OTLP/HTTP), shared by the worker's port (http-server.ts) and the console's
 * `/api/otlp/v1/traces`. Order of the checks, cheapest first: too many requests in flight (429),
 * the token (401 unknown or none, 403 without the `ingest` scope), the body (413, 415, 400), then
 * DURABLE BEFORE ACKNOWLEDGED: the request's protobuf is written to OTLP_TOPIC and the answer
 * waits for the bus's acknowledgement (acks=all on Kafka); a bus that refuses or does not answer
 * in time gives 503. Both back-pressure answers carry Retry-After, which OTel exporters honour.
 */

export interface OtlpRequest {
  headers: Headers
  /** The body as it arrives (a Node request or a web ReadableStream): read only up to the cap. */
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | null
}

export interface OtlpAnswer {
  status: number
  headers: Record<string, string>
  body: Uint8Array
}

export interface OtlpReceiverDeps {
  config: Config
  transport: Transport
  prisma: PrismaClient
  logger: Logger
  /** How long the bus may take to acknowledge before the answer is 503. Default 10 s. */
  sendTimeoutMs?: number
}

export type OtlpReceiver = (request: OtlpRequest) => Promise<OtlpAnswer>

/** Seconds an exporter should wait after a 429 or a 503. */
const RETRY_AFTER_BUSY = '1'
const RETRY_AFTER_UNAVAILABLE = '5'

export function createOtlpReceiver(deps: OtlpReceiverDeps): OtlpReceiver {
  const { config, transport, prisma } = deps
  const log = deps.logger.child({ module: 'otlp.receiver' })
  const metrics = otlpMetrics()
  const maxBytes = config.env.OTLP_MAX_BODY_BYTES
  const topic = otlpTopicSpec(config)
  let inFlight = 0
  let ready: Promise<BusProducer> | undefined

  /** The topic and a producer, once; a failure is forgotten so the next request tries again. */
  function producer(): Promise<BusProducer> {
    ready ??= (async () => {
      await transport.ensureTopics([topic])
      return transport.producer()
    })()
    ready.catch(() => (ready = undefined))
    return ready
  }

  async function receive(request: OtlpRequest): Promise<OtlpAnswer> {
    const contentType = request.headers.get('content-type')
    const encoding = responseEncoding(contentType)
    const fail = (status: number, message: string, retryAfter?: string) => answer(errorResponse(encoding, status, message), retryAfter)

    const refusal = await authenticate(prisma, config, request.headers)
    if (refusal) return fail(refusal.status, refusal.message)

    const body = await readCapped(request.body, maxBytes)
    if (body === undefined) return fail(413, `the body is larger than ${maxBytes} bytes (OTLP_MAX_BODY_BYTES); send smaller batches`)
    let decoded
    try {
      decoded = checkTraceRequest(body, { contentType, contentEncoding: request.headers.get('content-encoding'), maxBytes })
    } catch (error) {
      if (error instanceof OtlpDecodeError) return fail(error.status, error.message)
      throw error
    }
    if (decoded.acceptedSpans > 0) {
      try {
        await withTimeout(
          producer().then((p) => p.send(topic.name, [{ value: Buffer.from(decoded.protobuf), headers: { 'content-type': 'application/x-protobuf' } }])),
          deps.sendTimeoutMs ?? 10_000,
        )
      } catch (error) {
        log.warn({ err: error, topic: topic.name }, 'OTLP request not written to the bus: answered 503')
        return fail(503, 'the message bus did not accept the spans; retry later', RETRY_AFTER_UNAVAILABLE)
      }
      metrics.acceptedSpans.inc(decoded.acceptedSpans)
    }
    return answer(exportResponse(encoding, decoded))
  }

  return async (request) => {
    if (inFlight >= config.env.OTLP_MAX_IN_FLIGHT) {
      const busy = answer(errorResponse(responseEncoding(request.headers.get('content-type')), 429, 'too many export requests in flight; retry later'), RETRY_AFTER_BUSY)
      metrics.requests.inc({ status: '429' })
      return busy
    }
    inFlight++
    try {
      const result = await receive(request)
      metrics.requests.inc({ status: String(result.status) })
      return result
    } finally {
      inFlight--
    }
  }
}

async function authenticate(prisma: PrismaClient, config: Config, headers: Headers): Promise<{ status: 401 | 403; message: string } | undefined> {
  const token = bearerToken(headers)
  if (!token) return { status: 401, message: 'send an API token with the ingest scope as `Authorization: Bearer <token>`' }
  if (matchesBootstrapToken(token, config.adminApiToken)) return undefined
  const scopes = await apiTokenScopes(prisma, token)
  if (!scopes) return { status: 401, message: 'unknown, expired or revoked API token' }
  if (!scopes.includes('ingest' satisfies ApiTokenScope)) return { status: 403, message: 'this API token may not send telemetry: an admin creates one with the ingest scope' }
  return undefined
}

function answer(response: OtlpResponse, retryAfter?: string): OtlpAnswer {
  const headers: Record<string, string> = { 'content-type': response.contentType }
  if (retryAfter !== undefined) headers['retry-after'] = retryAfter
  return { status: response.status, headers, body: response.body }
}

/** The body, or undefined as soon as it passes `max` bytes (the rest is not read). */
async function readCapped(body: OtlpRequest['body'], max: number): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of 'getReader' in body ? chunksOf(body) : body) {
    size += chunk.length
    if (size > max) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks, size)
}

async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader()
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    // Stops a body cut off at the cap from being read further.
    void reader.cancel().catch(() => undefined)
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no acknowledgement within ${ms} ms`)), ms)
  })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}
