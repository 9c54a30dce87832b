import { SpanKind } from '@opentelemetry/api'
import otlpRoot from '@opentelemetry/otlp-transformer/build/src/generated/root.js'
import { afterAll, describe, expect, it } from 'vitest'
import { decodeTraceRequest, OtlpDecodeError, type OtlpEncoding } from './decode'
import { errorResponse, exportResponse, responseEncoding } from './response'
import { exportSpans, startOtlpCollector, startTestTracer, type CapturedRequest, type OtlpCollector } from './testing'

/** The receiver's answers as the real OTLP exporters read them. */

const hub = startTestTracer({ 'service.name': 'orders-hub' })
hub.tracer.startSpan('send orders', { kind: SpanKind.PRODUCER }).end()
const spans = hub.finished()
const collectors: OtlpCollector[] = []
afterAll(() => Promise.all(collectors.map((collector) => collector.close())))

/** A receiver that decodes, then answers like the real one will (the rejection count is made up). */
function receiver(request: CapturedRequest) {
  const encoding = responseEncoding(request.headers['content-type'])
  try {
    const decoded = decodeTraceRequest(request.body, { contentType: request.headers['content-type'], contentEncoding: request.headers['content-encoding'] })
    return exportResponse(encoding, { rejectedSpans: 2, rejectionMessage: `${decoded.spans.length} taken, 2 refused` })
  } catch (error) {
    if (error instanceof OtlpDecodeError) return errorResponse(encoding, error.status, error.message)
    throw error
  }
}

async function started(answer: Parameters<typeof startOtlpCollector>[0]) {
  const collector = await startOtlpCollector(answer)
  collectors.push(collector)
  return collector
}

const { ExportTraceServiceResponse } = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceResponse: { decode(bytes: Uint8Array): object } } } } } } }).opentelemetry.proto.collector.trace.v1

describe('OTLP responses', () => {
  it('a partial success is a successful export in both encodings', async () => {
    for (const encoding of ['protobuf', 'json'] as const) {
      const answers: Uint8Array[] = []
      const collector = await started((request) => {
        const answer = receiver(request)
        answers.push(answer.body)
        return answer
      })
      await exportSpans(spans, encoding, collector.url)
      const body = answers[0]!
      const read = encoding === 'json' ? JSON.parse(Buffer.from(body).toString()) : JSON.parse(JSON.stringify(ExportTraceServiceResponse.decode(body)))
      expect(read).toEqual({ partialSuccess: { rejectedSpans: '2', errorMessage: '1 taken, 2 refused' } })
    }
  })

  it('a refused body fails the export with the status and a google.rpc.Status naming the problem', async () => {
    const encodings: OtlpEncoding[] = ['protobuf', 'json']
    for (const encoding of encodings) {
      const collector = await started((request) => errorResponse(responseEncoding(request.headers['content-type']), 400, 'the body is not an OTLP ExportTraceServiceRequest'))
      const failure = await exportSpans(spans, encoding, collector.url).then(
        () => undefined,
        (error: unknown) => error as { code?: number; data?: string },
      )
      expect(failure?.code).toBe(400)
      expect(failure?.data).toContain('the body is not an OTLP ExportTraceServiceRequest')
      if (encoding === 'json') expect(JSON.parse(failure!.data!)).toEqual({ code: 3, message: 'the body is not an OTLP ExportTraceServiceRequest' })
    }
  })

  it('a full success is an empty response', () => {
    expect(exportResponse('protobuf', { rejectedSpans: 0 }).body).toHaveLength(0)
    expect(Buffer.from(exportResponse('json', { rejectedSpans: 0 }).body).toString()).toBe('{}')
    expect(errorResponse('json', 503, 'busy')).toMatchObject({ status: 503, contentType: 'application/json' })
    expect(JSON.parse(Buffer.from(errorResponse('json', 503, 'busy').body).toString())).toEqual({ code: 14, message: 'busy' })
  })
})
