import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'

/** One request as an OTLP exporter sent it. */
export interface CapturedRequest {
  path: string
  headers: IncomingHttpHeaders
  body: Buffer
}

export interface OtlpCollector {
  /** Base URL, e.g. `http://127.0.0.1:4567`; exporters post to `${url}/v1/traces`. */
  url: string
  requests: CapturedRequest[]
  close(): Promise<void>
}

/** What the stand-in answers: status, content type and body. */
export type CollectorAnswer = (request: CapturedRequest) => { status: number; contentType: string; body: Uint8Array | string }

/** An empty ExportTraceServiceResponse: empty bytes in protobuf, `{}` in JSON. */
const accept: CollectorAnswer = (request) =>
  request.headers['content-type']?.startsWith('application/json')
    ? { status: 200, contentType: 'application/json', body: '{}' }
    : { status: 200, contentType: 'application/x-protobuf', body: '' }

/** A stand-in for the receiver: a `node:http` server that keeps every body and answers with `answer`. */
export async function startOtlpCollector(answer: CollectorAnswer = accept): Promise<OtlpCollector> {
  const requests: CapturedRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const captured = { path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) }
      requests.push(captured)
      const { status, contentType, body } = answer(captured)
      response.writeHead(status, { 'content-type': contentType })
      response.end(body)
    })
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((done, fail) => server.close((error) => (error ? fail(error) : done()))),
  }
}

export interface TestTracer {
  provider: BasicTracerProvider
  tracer: ReturnType<BasicTracerProvider['getTracer']>
  /** Ended spans, kept in memory until exported by `exportSpans`. */
  finished(): ReadableSpan[]
  /** Removes and returns the first `count` ended spans, as a batch processor takes its next batch. */
  take(count: number): ReadableSpan[]
}

/** A real SDK tracer for one service (resource attributes), keeping ended spans in memory. */
export function startTestTracer(resource: Record<string, string>): TestTracer {
  const memory = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(resource), spanProcessors: [new SimpleSpanProcessor(memory)] })
  return {
    provider,
    tracer: provider.getTracer('linetrace-otlp-test', '1.0.0'),
    finished: () => memory.getFinishedSpans(),
    // The exporter hands out its own list: taking from it leaves the spans not yet sent in place.
    take: (count) => memory.getFinishedSpans().splice(0, count),
  }
}

export type ExportEncoding = 'protobuf' | 'protobuf-gzip' | 'json'

/** Sends spans through the real OTLP exporter of that encoding to `${url}/v1/traces` (with `headers`, e.g. the token). */
export async function exportSpans(spans: ReadableSpan[], encoding: ExportEncoding, url: string, headers?: Record<string, string>): Promise<void> {
  const options = { url: `${url}/v1/traces`, ...(headers && { headers }) }
  const exporter =
    encoding === 'json'
      ? new HttpJsonExporter(options)
      : new ProtoExporter({
          ...options,
          ...(encoding === 'protobuf-gzip' && { compression: 'gzip' as NonNullable<ConstructorParameters<typeof ProtoExporter>[0]>['compression'] }),
        })
  try {
    await new Promise<void>((done, fail) =>
      exporter.export(spans, (result) => (result.error ? fail(result.error) : result.code === 0 ? done() : fail(new Error(`export failed with code ${result.code}`)))),
    )
  } finally {
    await exporter.shutdown()
  }
}
