import { gzipSync } from 'node:zlib'
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api'
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer'
import { startTestTracer, type TestTracer } from '../../ingest/otlp/testing'
import { BENCH_BASE_MS } from '../bench-day'

/**
 * The OTLP benchmark's load: what a plant's instrumented middleware exports. Spans are made by the
 * real OTel SDK and encoded as its OTLP/HTTP protobuf exporter does (the transformer's
 * ProtobufTraceSerializer, gzip), one request per 512 spans of one service (the
 * BatchSpanProcessor's default batch), so the receiver sees the bodies an exporter would send.
 *
 * One transaction, five spans, each a hop (SOURCES.md "OTLP → hop events"):
 *   MES         PRODUCER  confirmations send       keyed by the confirmation, business keys
 *   hub         CONSUMER  confirmations process    new trace, one link to the message (kafkajs eachBatch)
 *   hub         CLIENT    POST to the ERP          erp.posting_succeeded, or _failed (503) for 1 in 50
 *   hub         PRODUCER  goods-movements send
 *   WMS         CONSUMER  goods-movements receive  child of the send (kafkajs eachMessage)
 * across five plants, each service one instance per plant (its plant a resource attribute).
 */

export const SPANS_PER_TXN = 5
/** The BatchSpanProcessor's default maxExportBatchSize. */
export const SPANS_PER_REQUEST = 512
const PLANTS = ['1000', '1100', '2000', '2100', '3000']
type Service = 'mes-confirmations' | 'confirmations-hub' | 'wms-putaway'

export interface ExportBody {
  /** The gzip'd ExportTraceServiceRequest. */
  body: Buffer
  spans: number
}

/** Builds transactions with the SDK and cuts them into export request bodies. */
export class SpanLoad {
  private readonly tracers = new Map<string, TestTracer>()
  private readonly base = BENCH_BASE_MS
  private readonly ready: ExportBody[] = []

  /** Transactions `from` … `to - 1`; full requests are kept, partial ones wait for more or `flush`. */
  add(from: number, to: number): void {
    for (let txn = from; txn < to; txn++) this.transaction(txn)
    for (const tracer of this.tracers.values()) this.cut(tracer, false)
  }

  /** The requests made so far, every started batch sent (as a BatchSpanProcessor's flush does). */
  flush(): ExportBody[] {
    for (const tracer of this.tracers.values()) this.cut(tracer, true)
    return this.ready.splice(0)
  }

  private cut(tracer: TestTracer, all: boolean): void {
    while (tracer.finished().length >= SPANS_PER_REQUEST || (all && tracer.finished().length > 0)) {
      const batch = tracer.take(SPANS_PER_REQUEST)
      this.ready.push({ body: gzipSync(ProtobufTraceSerializer.serializeRequest(batch)!), spans: batch.length })
    }
  }

  private tracer(service: Service, plant: string): TestTracer['tracer'] {
    const key = `${service}@${plant}`
    let tracer = this.tracers.get(key)
    if (!tracer) {
      tracer = startTestTracer({
        'service.name': service,
        'service.instance.id': `${service}-${plant}-1`,
        'service.version': '4.2.0',
        'linetrace.plant': plant,
        'host.name': `${service}-${plant}.plant.local`,
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.language': 'java',
        'telemetry.sdk.version': '1.44.1',
      })
      this.tracers.set(key, tracer)
    }
    return tracer.tracer
  }

  private transaction(txn: number): void {
    const plant = PLANTS[txn % PLANTS.length]!
    const t = this.base + (txn % 86_400) * 1000
    const key = `CONF-${plant}-${txn}`
    const workOrder = String(155_000_000_000 + txn)
    const business: Attributes = {
      'linetrace.work_order': workOrder,
      'linetrace.operation': '0010',
      'linetrace.material': `MAT-${txn % 500}`,
      'linetrace.lot': String(74_000 + (txn % 9000)).padStart(10, '0'),
    }
    const kafka = (topic: string, operation: string, offset: number): Attributes => ({
      'messaging.system': 'kafka',
      'messaging.destination.name': topic,
      'messaging.operation.type': operation,
      'messaging.operation.name': operation,
      'messaging.kafka.message.key': key,
      'messaging.destination.partition.id': String(txn % 6),
      'messaging.kafka.offset': offset,
    })

    const send = this.tracer('mes-confirmations', plant).startSpan('confirmations send', {
      kind: SpanKind.PRODUCER,
      startTime: t,
      attributes: { ...kafka('confirmations', 'send', txn), ...business },
    })
    send.end(t + 3)

    const hub = this.tracer('confirmations-hub', plant)
    const process = hub.startSpan(
      'confirmations process',
      {
        kind: SpanKind.CONSUMER,
        startTime: t + 40,
        links: [{ context: send.spanContext(), attributes: { 'messaging.kafka.message.key': key } }],
        attributes: { ...kafka('confirmations', 'process', txn), 'messaging.consumer.group.name': 'confirmations-hub', 'linetrace.work_order': workOrder },
      },
      ROOT_CONTEXT,
    )
    const inProcess = trace.setSpan(ROOT_CONTEXT, process)
    const failed = txn % 50 === 49
    const erp = hub.startSpan(
      'POST',
      {
        kind: SpanKind.CLIENT,
        startTime: t + 45,
        attributes: {
          'http.request.method': 'POST',
          'server.address': 'erp-s4.plant.local',
          'server.port': 443,
          'url.full': `https://erp-s4.plant.local/sap/opu/odata/sap/API_PROD_ORDER_CONFIRMATION_2_SRV/ProdnOrdConf2?order=${workOrder}`,
          'http.response.status_code': failed ? 503 : 201,
          'linetrace.correlation_id': key,
          'linetrace.work_order': workOrder,
          ...(failed ? { 'error.type': '503' } : { 'linetrace.erp_document': String(4_900_000_000 + txn) }),
        },
      },
      inProcess,
    )
    if (failed) erp.setStatus({ code: SpanStatusCode.ERROR })
    erp.end(t + 45 + 180 + (txn % 400))
    const forward = hub.startSpan('goods-movements send', { kind: SpanKind.PRODUCER, startTime: t + 700, attributes: { ...kafka('goods-movements', 'send', txn), ...business } }, inProcess)
    forward.end(t + 703)
    process.end(t + 705)

    const receive = this.tracer('wms-putaway', plant).startSpan(
      'goods-movements receive',
      {
        kind: SpanKind.CONSUMER,
        startTime: t + 760,
        attributes: { ...kafka('goods-movements', 'receive', txn), 'messaging.consumer.group.name': 'wms-putaway', 'linetrace.work_order': workOrder, 'linetrace.handling_unit': `HU-${txn}` },
      },
      trace.setSpan(ROOT_CONTEXT, forward),
    )
    receive.end(t + 790)
  }
}
