import { describe, expect, it } from 'vitest'
import type { BusRecord, Headers } from '../../../server/bus/port'
import { classify } from '../classify'
import { dlqTopicPattern } from '../indexer'
import { deadLetterRow } from '../row'
import { decodeDlqHeaders } from '.'

/** Header values exactly as each convention writes them on the wire. */
const t = (s: string) => Buffer.from(s, 'utf8')
const hex = (h: string) => Buffer.from(h.replace(/\s/g, ''), 'hex')

describe('Spring Kafka (kafka_dlt-*, big-endian binary numbers)', () => {
  const headers: Headers = {
    'kafka_dlt-original-topic': t('lt.hub.1000.in'),
    // int32 7
    'kafka_dlt-original-partition': hex('00 00 00 07'),
    // int64 1_099_511_627_781 (2^40 + 5): beyond 32 bits
    'kafka_dlt-original-offset': hex('00 00 01 00 00 00 00 05'),
    // int64 1_764_590_400_000 = 2025-12-01T12:00:00Z
    'kafka_dlt-original-timestamp': hex('00 00 01 9A D9 C8 B2 00'),
    'kafka_dlt-original-timestamp-type': t('CreateTime'),
    'kafka_dlt-original-consumer-group': t('erp-posting'),
    'kafka_dlt-exception-fqcn': t('org.springframework.kafka.listener.ListenerExecutionFailedException'),
    'kafka_dlt-exception-cause-fqcn': t('com.sap.conn.jco.AbapException'),
    // Repeated: the last occurrence is the latest failure.
    'kafka_dlt-exception-message': [
      t('first failure'),
      t("Listener method 'public void a.B.onMessage(x)' threw exception; nested exception is com.sap.conn.jco.AbapException: (126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000"),
    ],
    'kafka_dlt-exception-stacktrace': t('org.springframework.kafka.listener.ListenerExecutionFailedException: x\n\tat a.B(B.java:1)'),
  }

  it('decodes the original coordinates from their binary encodings and the exception from text', () => {
    const d = decodeDlqHeaders(headers)
    expect(d).toMatchObject({
      convention: 'spring',
      sourceTopic: 'lt.hub.1000.in',
      sourcePartition: 7,
      sourceOffset: 1_099_511_627_781n,
      sourceTimestamp: Date.parse('2025-12-01T12:00:00Z'),
      consumerGroup: 'erp-posting',
      errorClass: 'com.sap.conn.jco.AbapException',
      attempts: 2,
      details: { exception: 'org.springframework.kafka.listener.ListenerExecutionFailedException', timestampType: 'CreateTime' },
    })
    // Spring 5's "nested exception is" wrapper is followed to the innermost cause.
    expect(d.errorMessage).toBe('(126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000')
    expect(d.stackTrace).toContain('\tat a.B(B.java:1)')
  })

  it('classifies the cause: innermost message, the SAP code in it, permanent', () => {
    expect(classify(decodeDlqHeaders(headers))).toEqual({
      message: '(126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000',
      code: 'M7/053',
      category: 'permanent',
    })
  })

  it('reads a partition of 0 and a negative int32 as binary, not text', () => {
    expect(decodeDlqHeaders({ 'kafka_dlt-original-partition': hex('00000000') }).sourcePartition).toBe(0)
    expect(decodeDlqHeaders({ 'kafka_dlt-original-partition': hex('FFFFFFFF') }).sourcePartition).toBe(-1)
  })
})

describe('Kafka Connect (__connect.errors.*, text)', () => {
  const headers: Headers = {
    '__connect.errors.topic': t('lt.hub.2000.in'),
    '__connect.errors.partition': t('3'),
    '__connect.errors.offset': t('9007199254740993'),
    '__connect.errors.connector.name': t('erp-sink-2000'),
    '__connect.errors.task.id': t('1'),
    '__connect.errors.stage': t('TASK_PUT'),
    '__connect.errors.class.name': t('com.acme.connect.sap.SapErpSinkTask'),
    '__connect.errors.exception.class.name': t('org.apache.kafka.connect.errors.RetriableException'),
    '__connect.errors.exception.message': t('503 Service Unavailable: no application server available'),
    '__connect.errors.exception.stacktrace': t('org.apache.kafka.connect.errors.RetriableException: 503\n\tat X'),
  }

  it('decodes the decimal text coordinates (offset beyond 2^53 exactly) and the connector context', () => {
    expect(decodeDlqHeaders(headers)).toEqual({
      convention: 'connect',
      sourceTopic: 'lt.hub.2000.in',
      sourcePartition: 3,
      sourceOffset: 9_007_199_254_740_993n,
      consumerGroup: 'connect-erp-sink-2000',
      errorClass: 'org.apache.kafka.connect.errors.RetriableException',
      errorMessage: '503 Service Unavailable: no application server available',
      stackTrace: 'org.apache.kafka.connect.errors.RetriableException: 503\n\tat X',
      details: { connector: 'erp-sink-2000', task: '1', stage: 'TASK_PUT', executingClass: 'com.acme.connect.sap.SapErpSinkTask' },
    })
  })

  it('stores the connector, task, stage and executing class as fields of the row', () => {
    const row = deadLetterRow({ topic: 'dlq-erp-sink', partition: 0, offset: '5', key: null, value: null, headers, timestamp: 1_764_590_400_000 })
    expect(row).toMatchObject({ connector: 'erp-sink-2000', taskId: '1', stage: 'TASK_PUT', executingClass: 'com.acme.connect.sap.SapErpSinkTask', processorNode: null, sourceTimestamp: null })
  })

  it('classifies a retriable exception as transient', () => {
    expect(classify(decodeDlqHeaders(headers)).category).toBe('transient')
  })
})

describe('Kafka Streams, SmallRye, our hub and the telemetry DLQ', () => {
  it('Kafka Streams: __streams.errors.*', () => {
    expect(
      decodeDlqHeaders({
        '__streams.errors.topic': t('orders'),
        '__streams.errors.partition': t('2'),
        '__streams.errors.offset': t('41'),
        // Throwable.toString(), as ExceptionHandlerUtils writes it.
        '__streams.errors.exception': t('org.apache.kafka.common.errors.SerializationException: Size of data received by IntegerDeserializer is not 4'),
        '__streams.errors.message': t('Size of data received by IntegerDeserializer is not 4'),
        '__streams.errors.stacktrace': t('trace'),
      }),
    ).toMatchObject({ convention: 'streams', sourceTopic: 'orders', sourcePartition: 2, sourceOffset: 41n, errorClass: 'org.apache.kafka.common.errors.SerializationException', errorMessage: 'Size of data received by IntegerDeserializer is not 4', stackTrace: 'trace' })
  })

  it('Kafka Streams: a describing handler\'s processor node and task are stored as fields', () => {
    const row = deadLetterRow({
      topic: 'app-dlq', partition: 0, offset: '1', key: null, value: null, timestamp: 1_764_590_400_000,
      headers: { '__streams.errors.exception': t('java.lang.IllegalStateException: boom'), '__streams.errors.processor.node.id': t('KSTREAM-MAPVALUES-0000000002'), '__streams.errors.task.id': t('0_3') },
    })
    expect(row).toMatchObject({ errorClass: 'java.lang.IllegalStateException', processorNode: 'KSTREAM-MAPVALUES-0000000002', taskId: '0_3', connector: null })
  })

  it('SmallRye: dead-letter-*', () => {
    expect(
      decodeDlqHeaders({
        'dead-letter-reason': t('Posting only possible in periods 2026/11 and 2026/10'),
        'dead-letter-cause': t('nested cause'),
        'dead-letter-exception-class-name': t('java.lang.IllegalStateException'),
        'dead-letter-cause-class-name': t('java.io.IOException'),
        'dead-letter-topic': t('lt.hub.3000.in'),
        'dead-letter-partition': t('0'),
        'dead-letter-offset': t('17'),
      }),
    ).toEqual({
      convention: 'smallrye',
      sourceTopic: 'lt.hub.3000.in',
      sourcePartition: 0,
      sourceOffset: 17n,
      errorClass: 'java.lang.IllegalStateException',
      errorMessage: 'Posting only possible in periods 2026/11 and 2026/10',
      details: { cause: 'nested cause', causeClass: 'java.io.IOException' },
    })
  })

  it("the hub's x-dlq-* carry the business error decoded", () => {
    const d = decodeDlqHeaders({
      'x-dlq-original-topic': t('lt.hub.3000.in'),
      'x-dlq-original-partition': t('5'),
      'x-dlq-original-offset': t('1234'),
      'x-dlq-original-timestamp': t('2026-11-30T10:00:00.000Z'),
      'x-dlq-consumer-group': t('lt.sim.hub'),
      'x-dlq-reason': t('retries_exhausted'),
      'x-dlq-error-category': t('transient'),
      'x-dlq-error-code': t('HTTP_503'),
      'x-dlq-error-text': t('Service Unavailable'),
      'x-dlq-attempts': t('5'),
      'x-dlq-flow': t('goods_movement'),
    })
    expect(d).toMatchObject({
      convention: 'hub',
      sourceTopic: 'lt.hub.3000.in',
      sourcePartition: 5,
      sourceOffset: 1234n,
      sourceTimestamp: Date.parse('2026-11-30T10:00:00.000Z'),
      consumerGroup: 'lt.sim.hub',
      errorClass: 'hub:retries_exhausted',
      errorMessage: 'HTTP_503 Service Unavailable',
      attempts: 5,
      errorCategory: 'transient',
      errorCode: 'HTTP_503',
      flow: 'goods_movement',
    })
    expect(classify(d)).toEqual({ message: 'HTTP_503 Service Unavailable', code: 'HTTP_503', category: 'transient' })
  })

  it("Linetrace's telemetry DLQ: x-lt-dlq-* and x-lt-original-*", () => {
    expect(
      decodeDlqHeaders({
        'x-lt-dlq-reason': t('invalid'),
        'x-lt-dlq-errors': t('[{"path":"plant","message":"Required"}]'),
        'x-lt-original-topic': t('lt.telemetry'),
        'x-lt-original-partition': t('4'),
        'x-lt-original-offset': t('99'),
        'x-lt-original-timestamp': t('1764590400000'),
      }),
    ).toMatchObject({ convention: 'linetrace', sourceTopic: 'lt.telemetry', sourcePartition: 4, sourceOffset: 99n, sourceTimestamp: 1_764_590_400_000, errorCode: 'LT_INVALID' })
  })

  it('no known header family: unknown origin', () => {
    expect(decodeDlqHeaders({ 'content-type': t('application/json') })).toEqual({ convention: 'unknown', details: {} })
  })
})

// The fingerprint's own tests: ../fingerprint.test.ts (and simulator/fingerprint.test.ts over the simulator's errors).

describe('deadLetterRow: the link to the transaction', () => {
  const record = (over: Partial<BusRecord>): BusRecord => ({ topic: 'lt.hub.1000.in-dlt', partition: 0, offset: '12', key: Buffer.from('key-cid'), value: null, headers: {}, timestamp: 1_764_590_400_000, ...over })

  it('reads correlation id, plant, flow, origin and business keys from the body', () => {
    const body = { correlation_id: 'cid-1', plant: '1000', flow: 'production_confirmation', origin_time: '2026-11-30T10:00:00.000Z', work_order: '155000072353', lot: 'L1', material: 'FG1001' }
    const row = deadLetterRow(record({ value: Buffer.from(JSON.stringify(body)), headers: { 'kafka_dlt-original-topic': t('lt.hub.1000.in') } }))
    expect(row).toMatchObject({ correlationId: 'cid-1', plantCode: '1000', flow: 'production_confirmation', convention: 'spring', sourceTopic: 'lt.hub.1000.in', offset: 12n })
    expect(row.originTime).toEqual(new Date('2026-11-30T10:00:00.000Z'))
    expect(row.businessKeys).toEqual({ work_order: '155000072353', lot: 'L1', material: 'FG1001' })
  })

  it('falls back to ce_correlationid, then to the record key', () => {
    expect(deadLetterRow(record({ headers: { ce_correlationid: t('cid-ce') } })).correlationId).toBe('cid-ce')
    expect(deadLetterRow(record({ value: Buffer.from('not json') })).correlationId).toBe('key-cid')
  })

  it('keeps binary headers byte for byte with no text rendering', () => {
    const row = deadLetterRow(record({ headers: { 'kafka_dlt-original-partition': hex('00000007') } }))
    expect(row.headers).toEqual([{ key: 'kafka_dlt-original-partition', value: 'AAAABw==' }])
  })
})

describe('KIP-1191 share-group DLQ topics (broker-prefixed names)', () => {
  const rec = (topic: string, headers: Headers = {}): BusRecord => ({ topic, partition: 0, offset: '3', key: null, value: null, headers, timestamp: 1_764_590_400_000 })

  it('a record on a prefixed topic without known headers is a share-group dead letter; other topics stay unknown', () => {
    expect(deadLetterRow(rec('dlq.lt.hub.1000.in'), 'dlq.')).toMatchObject({ convention: 'share_group', sourceTopic: null })
    expect(deadLetterRow(rec('lt.hub.1000.in.dlq'), 'dlq.').convention).toBe('unknown')
    expect(deadLetterRow(rec('dlq.lt.hub.1000.in'), '').convention).toBe('unknown')
  })

  it('decodes the context headers the broker writes (decimal text, as Kafka 4.4 ShareConsumerDLQTest reads them)', () => {
    const row = deadLetterRow(
      rec('dlq.orders', { '__dlq.errors.topic': t('lt.hub.1000.in'), '__dlq.errors.partition': t('2'), '__dlq.errors.offset': t('41'), '__dlq.errors.group': t('erp-posting') }),
      'dlq.',
    )
    expect(row).toMatchObject({ convention: 'share_group', sourceTopic: 'lt.hub.1000.in', sourcePartition: 2, sourceOffset: 41n, consumerGroup: 'erp-posting' })
  })

  it('headers a client wrote keep their decoding on a share-group topic', () => {
    expect(deadLetterRow(rec('dlq.orders', { 'kafka_dlt-original-topic': t('orders') }), 'dlq.')).toMatchObject({ convention: 'spring', sourceTopic: 'orders' })
  })

  it('the indexer reads the prefix besides the configured topics (a custom prefix too)', () => {
    const p = dlqTopicPattern(undefined, 'dlq.')
    expect(['dlq.orders', 'a.dlq', 'orders-dlt', 'dlqXorders', 'x.dlq.orders'].map((n) => p.test(n))).toEqual([true, true, true, false, false])
    const listed = dlqTopicPattern(['a.dlq'], 'kafka-dlq.')
    expect(['a.dlq', 'kafka-dlq.orders', 'dlq.orders'].map((n) => listed.test(n))).toEqual([true, true, false])
  })
})

describe('dlqTopicPattern', () => {
  it('turns a list into exact names (dots are literal) and keeps a pattern', () => {
    const p = dlqTopicPattern(['a.dlq', 'b-dlt'])
    expect(['a.dlq', 'b-dlt'].map((t) => p.test(t))).toEqual([true, true])
    expect(['aXdlq', 'a.dlq.x', 'xa.dlq'].map((t) => p.test(t))).toEqual([false, false, false])
    expect(dlqTopicPattern(/x$/).source).toBe('x$')
    expect(dlqTopicPattern(undefined).test('lt.hub.1000.in-dlt')).toBe(true)
  })
})
