import { describe, expect, it } from 'vitest'
import type { Headers } from '../../../server/bus/port'
import { classify } from '../classify'
import { deadLetterRow } from '../row'
import { lastCausedBy, springRootCause } from './java-cause'
import { decodeDlqHeaders } from '.'

/**
 * Header bytes as spring-kafka 3.x/4.x's DeadLetterPublishingRecoverer writes them: the original
 * partition as int32 and offset/timestamp as int64 big-endian, every other value UTF-8 text, the
 * message joined "<exception message>; <root cause message>" (buildMessage), the stack trace
 * printed by Throwable.printStackTrace.
 */
const t = (s: string) => Buffer.from(s, 'utf8')
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b }
const int64 = (n: bigint) => { const b = Buffer.alloc(8); b.writeBigInt64BE(n); return b }

const LEFE = 'org.springframework.kafka.listener.ListenerExecutionFailedException'
const METHOD = "public void com.acme.mes.PostingListener.onConfirmation(org.apache.kafka.clients.consumer.ConsumerRecord<java.lang.String, java.lang.String>)"
const WRAPPER = `Listener method '${METHOD}' threw exception`
const CAUSE = 'com.acme.erp.MasterDataException'
const CAUSE_MSG = 'Material 100-200 not maintained in plant 1000'
const TRACE = [
  `${LEFE}: ${WRAPPER}`,
  '\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.decorateException(KafkaMessageListenerContainer.java:2996)',
  '\tat java.base/java.lang.Thread.run(Thread.java:1583)',
  `Caused by: ${CAUSE}: ${CAUSE_MSG}`,
  '\tat com.acme.mes.PostingListener.onConfirmation(PostingListener.java:42)',
  '\t... 15 more',
  '',
].join('\n')

function springHeaders(over: Headers = {}): Headers {
  return {
    'kafka_dlt-original-topic': t('lt.hub.1000.in'),
    'kafka_dlt-original-partition': int32(3),
    'kafka_dlt-original-offset': int64(4_294_967_301n),
    'kafka_dlt-original-timestamp': int64(1_764_590_400_000n),
    'kafka_dlt-original-timestamp-type': t('CreateTime'),
    'kafka_dlt-original-consumer-group': t('mes-posting'),
    'kafka_dlt-exception-fqcn': t(LEFE),
    'kafka_dlt-exception-cause-fqcn': t(CAUSE),
    'kafka_dlt-exception-message': t(`${WRAPPER}; ${CAUSE_MSG}`),
    'kafka_dlt-exception-stacktrace': t(TRACE),
    ...over,
  }
}

describe('Spring wrapper messages reduced to the root cause', () => {
  it('spring-kafka 3.x/4.x: "Listener method … threw exception; <cause>" shows the cause, class from the cause fqcn', () => {
    const d = decodeDlqHeaders(springHeaders())
    expect(d).toMatchObject({
      convention: 'spring',
      errorClass: CAUSE,
      errorMessage: CAUSE_MSG,
      sourcePartition: 3,
      sourceOffset: 4_294_967_301n,
      sourceTimestamp: 1_764_590_400_000,
      consumerGroup: 'mes-posting',
      details: { exception: LEFE, cause: CAUSE, wrapperMessage: `${WRAPPER}; ${CAUSE_MSG}` },
    })
    // The row (list, detail, REST, CSV) and the fingerprint carry the cause, not the wrapper.
    const row = deadLetterRow({ topic: 'lt.hub.1000.in-dlt', partition: 0, offset: '1', key: null, value: null, headers: springHeaders(), timestamp: 1_764_590_460_000 })
    expect(row.errorMessage).toBe(CAUSE_MSG)
    expect(row.errorClass).toBe(CAUSE)
    expect(row).toMatchObject({ consumerGroup: 'mes-posting', sourceTimestamp: new Date(1_764_590_400_000), connector: null })
  })

  it('a multi-line root cause message is read whole from the last Caused by of the trace', () => {
    const msg = 'Posting failed:\nM7/053 Posting only possible in periods 2026/11 and 2026/10 in company code 1000'
    const trace = `${LEFE}: ${WRAPPER}\n\tat a.B(B.java:1)\nCaused by: java.lang.IllegalStateException: wrapped\n\tat c.D(D.java:2)\nCaused by: com.sap.conn.jco.AbapException: ${msg}\n\tat e.F(F.java:3)\n\t... 4 more\n`
    const d = decodeDlqHeaders(springHeaders({
      'kafka_dlt-exception-cause-fqcn': t('com.sap.conn.jco.AbapException'),
      'kafka_dlt-exception-message': t(`${WRAPPER}; ${msg}`),
      'kafka_dlt-exception-stacktrace': t(trace),
    }))
    expect(d.errorMessage).toBe(msg)
    expect(classify(d)).toMatchObject({ code: 'M7/053', category: 'permanent' })
  })

  it('without a stack trace header the known wrapper text is cut off', () => {
    const d = decodeDlqHeaders(springHeaders({ 'kafka_dlt-exception-stacktrace': t('') }))
    expect(d.errorMessage).toBe(CAUSE_MSG)
  })

  it('a wrapper with no cause message falls back to the trace, then to the wrapper itself', () => {
    const noCauseMsg = `${LEFE}: ${WRAPPER}\n\tat a.B(B.java:1)\nCaused by: java.lang.NullPointerException\n\tat c.D(D.java:2)\n`
    expect(springRootCause(WRAPPER, noCauseMsg)).toEqual({ className: 'java.lang.NullPointerException', message: WRAPPER })
    expect(springRootCause(WRAPPER, undefined)).toEqual({ message: WRAPPER })
  })

  it('the container wrapper "Listener failed; …" and the conversion wrapper with its endpoint details', () => {
    expect(springRootCause(`Listener failed; ${CAUSE_MSG}`, undefined).message).toBe(CAUSE_MSG)
    const conversion = `Listener method could not be invoked with the incoming message\nEndpoint handler details:\nMethod [${METHOD}]\nBean [com.acme.mes.PostingListener@5f2b]; Cannot convert from [java.lang.String] to [com.acme.Confirmation]`
    expect(springRootCause(conversion, undefined).message).toBe('Cannot convert from [java.lang.String] to [com.acme.Confirmation]')
  })

  it('spring-kafka 2.x (Spring 5): the innermost "nested exception is" wins', () => {
    expect(springRootCause(`${WRAPPER}; nested exception is java.lang.IllegalStateException: outer; nested exception is ${CAUSE}: ${CAUSE_MSG}`, undefined)).toEqual({ className: CAUSE, message: CAUSE_MSG })
  })

  it('an exception without a distinct cause keeps its own message (a "; " inside it is not a wrapper)', () => {
    const d = decodeDlqHeaders({
      'kafka_dlt-exception-fqcn': t('com.acme.erp.PostingException'),
      'kafka_dlt-exception-message': t('Order 155000072353: quantity 40; confirmed 38'),
      'kafka_dlt-exception-stacktrace': t('com.acme.erp.PostingException: Order 155000072353: quantity 40; confirmed 38\n\tat a.B(B.java:1)\n'),
    })
    expect(d).toMatchObject({ errorClass: 'com.acme.erp.PostingException', errorMessage: 'Order 155000072353: quantity 40; confirmed 38' })
    expect(d.details.wrapperMessage).toBeUndefined()
  })
})

describe('lastCausedBy', () => {
  it('ignores a suppressed exception\'s indented causes and reads a cause with no message', () => {
    const trace = 'a.A: x\n\tat a.A(A.java:1)\n\tSuppressed: b.B: y\n\t\tat b.B(B.java:1)\n\tCaused by: c.C: z\nCaused by: d.D\n\tat d.D(D.java:1)\n'
    expect(lastCausedBy(trace)).toEqual({ className: 'd.D', message: undefined })
    expect(lastCausedBy('a.A: x\n\tat a.A(A.java:1)')).toBeUndefined()
  })
})
