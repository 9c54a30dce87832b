import { describe, expect, it } from 'vitest'
import type { Headers } from '../../server/bus/port'
import { guidanceFor } from '../../server/domain/error-guidance'
import { fingerprintOf, fingerprintParts, normaliseMessage } from './fingerprint'
import { deadLetterRow } from './row'

/**
 * Issue 19 item 1 with the messages the real libraries write (header names and texts as
 * spring-kafka 3.x/4.x, Kafka Connect and Kafka Streams produce them): the same cause in the same
 * flow is one group across plants, materials, partitions and offsets; different causes are not.
 * simulator/fingerprint.test.ts does the same over the simulator's SAP errors.
 */

const t = (s: string) => Buffer.from(s, 'utf8')

function row(headers: Headers, body: Record<string, string>, i = 0) {
  return deadLetterRow({ topic: 'x-dlt', partition: 0, offset: String(i), key: null, value: Buffer.from(JSON.stringify(body)), headers, timestamp: 1_764_590_400_000 + i })
}

const spring3 = (plant: string, material: string): Headers => ({
  'kafka_dlt-original-topic': t(`lt.hub.${plant}.in`),
  'kafka_dlt-original-consumer-group': t('erp-posting'),
  'kafka_dlt-exception-fqcn': t('org.springframework.kafka.listener.ListenerExecutionFailedException'),
  'kafka_dlt-exception-cause-fqcn': t('com.acme.MasterDataException'),
  'kafka_dlt-exception-message': t(
    `Listener method 'public void com.acme.Listener.onMessage(org.apache.kafka.clients.consumer.ConsumerRecord<java.lang.String, java.lang.String>)' threw exception; nested exception is com.acme.MasterDataException: Material ${material} not maintained in plant ${plant}`,
  ),
})

/** spring-kafka 4.x: "wrapper; cause message", no "nested exception is". */
const spring4 = (plant: string, material: string): Headers => ({
  'kafka_dlt-original-topic': t(`lt.hub.${plant}.in`),
  'kafka_dlt-exception-fqcn': t('org.springframework.kafka.listener.ListenerExecutionFailedException'),
  'kafka_dlt-exception-cause-fqcn': t('com.acme.MasterDataException'),
  'kafka_dlt-exception-message': t(`Listener method 'public void com.acme.Listener.onMessage(java.lang.String)' threw exception; Material ${material} not maintained in plant ${plant}`),
})

const connectConverter = (plant: string, offset: number): Headers => ({
  '__connect.errors.topic': t(`lt.hub.${plant}.in`),
  '__connect.errors.partition': t(String(offset % 6)),
  '__connect.errors.offset': t(String(offset)),
  '__connect.errors.connector.name': t(`erp-sink-${plant}`),
  '__connect.errors.task.id': t('0'),
  '__connect.errors.stage': t('VALUE_CONVERTER'),
  '__connect.errors.class.name': t('org.apache.kafka.connect.json.JsonConverter'),
  '__connect.errors.exception.class.name': t('org.apache.kafka.connect.errors.DataException'),
  '__connect.errors.exception.message': t(
    'Converting byte[] to Kafka Connect data failed due to serialization error: com.fasterxml.jackson.core.JsonParseException: Unexpected character (\'<\' (code 60)): expected a valid value',
  ),
})

const streamsDeser = (partition: number, offset: number): Headers => ({
  '__streams.errors.topic': t('lt.orders'),
  '__streams.errors.partition': t(String(partition)),
  '__streams.errors.offset': t(String(offset)),
  '__streams.errors.exception': t('org.apache.kafka.common.errors.RecordDeserializationException'),
  '__streams.errors.message': t(`Error deserializing VALUE for partition lt.orders-${partition} at offset ${offset}. If needed, please seek past the record to continue consumption.`),
})

const body = (plant: string, material: string, flow = 'production_confirmation') => ({ correlation_id: `c-${plant}-${material}`, plant, flow, material })

describe('normaliseMessage', () => {
  it('masks numbers, material/order/batch ids, plant codes, UUIDs, timestamps, users and keyed ids', () => {
    expect(normaliseMessage('Posting only possible in periods 2026/11 and 2026/10 in company code 1000')).toBe('Posting only possible in periods # and # in company code #')
    expect(normaliseMessage("Order 155000072353 locked by 'MES_RFC' (id 3f2a9c1e-0b7d-4e11-9c1a-2b3c4d5e6f70)")).toBe('Order # locked by <v> (id <id>)')
    expect(normaliseMessage('Deficit of BA Unrestricted-use 12.500 KG : RM-100-200 1100 0001 CH0042')).toBe('Deficit of BA Unrestricted-use # KG : #')
    expect(normaliseMessage('Timed out at 2026-12-01T09:30:12.345Z after 30 s, waiting for mat:A706|plant:1110')).toBe('Timed out at <time> after # s, waiting for mat:<v>|plant:<v>')
    expect(normaliseMessage('The plant data of the material FG10023 is locked by the user JSMITH')).toBe('The plant data of the material # is locked by the user <v>')
  })
})

describe('fingerprint over the real libraries’ messages', () => {
  it('spring-kafka 3.x and 4.x: one group per cause across plants and materials (each format its own template)', () => {
    for (const make of [spring3, spring4]) {
      const fps = new Set(['1000', '1100', '2100'].flatMap((p, i) => ['RM96965', 'FG-100-200', 'A706'].map((m, k) => row(make(p, m), body(p, m), i * 3 + k).fingerprint)))
      expect(fps.size).toBe(1)
    }
  })

  it('Connect converter errors: one group across plants, partitions and offsets, with converter guidance', () => {
    const rows = ['1000', '2000', '3000'].map((p, i) => row(connectConverter(p, 1000 + i * 7777), body(p, `M${i}`), i))
    expect(new Set(rows.map((r) => r.fingerprint)).size).toBe(1)
    const g = guidanceFor({ code: rows[0]!.errorCode, category: rows[0]!.errorCategory, text: rows[0]!.errorMessage, errorClass: rows[0]!.errorClass })
    expect(g).toMatchObject({ key: 'converter', replayBeforeFixCanSucceed: false })
  })

  it('Streams deserialisation errors: one group across partitions and offsets, with deserialisation guidance', () => {
    const rows = [0, 3, 5].map((p, i) => row(streamsDeser(p, 40 + i * 991), {}, i))
    expect(new Set(rows.map((r) => r.fingerprint)).size).toBe(1)
    expect(guidanceFor({ code: rows[0]!.errorCode, text: rows[0]!.errorMessage, errorClass: rows[0]!.errorClass }).key).toBe('deserialisation')
  })

  it('different causes are different groups: code, class, template or flow', () => {
    const a = row(spring3('1000', 'RM1'), body('1000', 'RM1'))
    expect(row(spring3('1000', 'RM1'), body('1000', 'RM1', 'goods_movement')).fingerprint).not.toBe(a.fingerprint)
    expect(row(connectConverter('1000', 1), body('1000', 'RM1')).fingerprint).not.toBe(a.fingerprint)
    const base = { code: 'HTTP_403', errorClass: null, message: 'CSRF token validation failed', flow: 'f', sourceTopic: null }
    expect(fingerprintOf({ ...base, message: 'Forbidden: no authorisation for service API_X' })).not.toBe(fingerprintOf(base))
    expect(fingerprintOf({ ...base, code: 'M7/053' })).not.toBe(fingerprintOf({ ...base, code: 'M7/021' }))
  })

  it('an SAP message id is its own template: the text and the wrapper do not split it; HTTP status prefixes neither', () => {
    const sapBase = { code: 'M7/053', errorClass: null, flow: 'f', sourceTopic: null }
    expect(fingerprintOf({ ...sapBase, message: '(126) ERROR: M7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000' })).toBe(
      fingerprintOf({ ...sapBase, message: 'M7/053 Posting only possible in periods 2026/12 and 2026/11 in company code 2000' }),
    )
    const http = { code: 'HTTP_503', errorClass: null, flow: 'f', sourceTopic: null }
    expect(fingerprintOf({ ...http, message: '503 Service Unavailable: no application server' })).toBe(fingerprintOf({ ...http, message: 'HTTP_503 Service Unavailable: no application server' }))
  })

  it('without a flow, the masked source topic places it (per-plant topic names stay one group)', () => {
    const p = (topic: string) => fingerprintParts({ code: null, errorClass: 'X', message: 'boom', flow: null, sourceTopic: topic })
    expect(p('lt.hub.1000.in')).toEqual(p('lt.hub.2000.in'))
    expect(p('lt.hub.1000.in')).not.toEqual(p('lt.orders'))
  })
})
