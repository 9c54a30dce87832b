import type { BusRecord, Headers, OutgoingRecord } from '../../server/bus/port'
import type { HopError } from '../../server/domain/hop-event'
import type { PlantTopics } from '../topics'

/**
 * Dead-letter records in three conventions, so the console's DLQ decoders meet each of them
 * (DLQ-REPLAY.md "Reading dead letters"). In all three the value is the original message (for a
 * partial posting: the failed goods movement, which is what must be replayed), the key is the
 * original key, and the original headers are kept, as Spring and Connect do.
 *
 * - spring:  `kafka_dlt-original-*` with partition as int32 and offset/timestamp as int64, all
 *            big-endian bytes (Spring Kafka's DeadLetterPublishingRecoverer), exception headers as
 *            UTF-8 text; written to the original partition number.
 * - connect: `__connect.errors.*` (Kafka Connect's errors.deadletterqueue.context.headers.enable),
 *            every value text, numbers in decimal.
 * - hub:     the reference hub's own `x-dlq-*` headers, all UTF-8 text (README.md lists them).
 */

export type DeadLetterReason = 'permanent' | 'retries_exhausted' | 'dependency_timeout' | 'partial' | 'validation'

export interface DeadLetterInput {
  topics: PlantTopics
  original: BusRecord
  groupId: string
  error: HopError
  reason: DeadLetterReason
  attempts: number
  firstFailedAt: number
  deadLetteredAt: number
  flow: string
  hubInstance: string
  /** Replaces the value (partial postings: only the failed movement). */
  value?: Buffer
  /** Replaces or adds business headers (partial postings: the movement's own idempotency key). */
  headers?: Record<string, string>
}

/** Header prefixes that describe a dead-lettering, not the business: a replay strips them. */
export const DLQ_CONTEXT_PREFIXES = ['kafka_dlt-', '__connect.errors.', 'x-dlq-', '__streams.errors.', 'dead-letter-', 'retry_topic-'] as const

const PKG = 'com.acme.integration.hub'

export function deadLetterRecord(input: DeadLetterInput): OutgoingRecord {
  const headers = copyHeaders(input.original.headers)
  for (const [k, v] of Object.entries(input.headers ?? {})) headers[k] = Buffer.from(v)
  const context = contextHeaders(input)
  // A header already present (a replayed record that failed again without being cleaned) is
  // repeated, not replaced: the last occurrence is the latest failure, as on the wire.
  for (const [k, v] of Object.entries(context)) {
    const old = headers[k]
    headers[k] = old === undefined ? v : [...(Array.isArray(old) ? old : [old]), v]
  }
  return {
    key: input.original.key,
    value: input.value ?? input.original.value,
    headers,
    timestamp: input.deadLetteredAt,
    partition: input.topics.convention === 'spring' ? input.original.partition : undefined,
  }
}

function contextHeaders(input: DeadLetterInput): Record<string, Buffer> {
  const { original, error } = input
  const text = (s: string) => Buffer.from(s)
  const ex = javaException(input)
  switch (input.topics.convention) {
    case 'spring':
      return {
        'kafka_dlt-original-topic': text(original.topic),
        'kafka_dlt-original-partition': int32(original.partition),
        'kafka_dlt-original-offset': int64(BigInt(original.offset)),
        'kafka_dlt-original-timestamp': int64(BigInt(original.timestamp)),
        'kafka_dlt-original-timestamp-type': text('CreateTime'),
        'kafka_dlt-original-consumer-group': text(input.groupId),
        'kafka_dlt-exception-fqcn': text('org.springframework.kafka.listener.ListenerExecutionFailedException'),
        'kafka_dlt-exception-cause-fqcn': text(ex.cause),
        'kafka_dlt-exception-message': text(
          `Listener method 'public void ${PKG}.erp.ErpPostingListener.onMessage(org.apache.kafka.clients.consumer.ConsumerRecord<java.lang.String, java.lang.String>)' threw exception; nested exception is ${ex.cause}: ${ex.message}`,
        ),
        'kafka_dlt-exception-stacktrace': text(springStack(ex)),
      }
    case 'connect': {
      const converter = input.reason === 'validation'
      return {
        '__connect.errors.topic': text(original.topic),
        '__connect.errors.partition': text(String(original.partition)),
        '__connect.errors.offset': text(original.offset),
        '__connect.errors.connector.name': text(input.topics.connector ?? 'erp-sink'),
        '__connect.errors.task.id': text(String(original.partition % 2)),
        '__connect.errors.stage': text(converter ? 'VALUE_CONVERTER' : 'TASK_PUT'),
        '__connect.errors.class.name': text(converter ? 'org.apache.kafka.connect.json.JsonConverter' : 'com.acme.connect.sap.SapErpSinkTask'),
        '__connect.errors.exception.class.name': text(connectException(input.reason)),
        '__connect.errors.exception.message': text(ex.message),
        '__connect.errors.exception.stacktrace': text(connectStack(connectException(input.reason), ex)),
      }
    }
    case 'hub': {
      const h: Record<string, Buffer> = {
        'x-dlq-original-topic': text(original.topic),
        'x-dlq-original-partition': text(String(original.partition)),
        'x-dlq-original-offset': text(original.offset),
        'x-dlq-original-timestamp': text(new Date(original.timestamp).toISOString()),
        'x-dlq-consumer-group': text(input.groupId),
        'x-dlq-hub-instance': text(input.hubInstance),
        'x-dlq-reason': text(input.reason),
        'x-dlq-error-category': text(error.category),
        'x-dlq-error-code': text(error.code),
        'x-dlq-error-text': text(error.text),
        'x-dlq-retryable': text(String(error.retryable)),
        'x-dlq-attempts': text(String(input.attempts)),
        'x-dlq-first-failed-at': text(new Date(input.firstFailedAt).toISOString()),
        'x-dlq-dead-lettered-at': text(new Date(input.deadLetteredAt).toISOString()),
        'x-dlq-flow': text(input.flow),
      }
      if (error.dependency_key) h['x-dlq-dependency-key'] = text(error.dependency_key)
      if (error.http_status) h['x-dlq-http-status'] = text(String(error.http_status))
      return h
    }
  }
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n)
  return b
}

function int64(n: bigint): Buffer {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

function copyHeaders(h: Headers): Headers {
  const out: Headers = {}
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? [...v] : v
  return out
}

interface JavaException {
  cause: string
  message: string
  frames: string[]
}

/** The exception a Java middleware would have thrown for this failure. */
function javaException({ error, reason }: DeadLetterInput): JavaException {
  const sapText = `${error.code} ${error.text}`
  const erpFrames = [`${PKG}.erp.ErpClient.post(ErpClient.java:141)`, `${PKG}.erp.ErpPostingListener.onMessage(ErpPostingListener.java:58)`]
  const rfcFrames = ['com.sap.conn.jco.rt.MiddlewareJavaRfc$JavaRfcClient.execute(MiddlewareJavaRfc.java:2173)', 'com.sap.conn.jco.rt.AbapFunction.execute(AbapFunction.java:300)', ...erpFrames]
  const httpFrames = ['org.springframework.web.client.DefaultResponseErrorHandler.handleError(DefaultResponseErrorHandler.java:186)', 'org.springframework.web.client.RestTemplate.doExecute(RestTemplate.java:915)', ...erpFrames]
  switch (reason) {
    case 'validation':
      // The hub's validator names its error code first, as its ERP errors do: one group with the hub's own records.
      return { cause: `${PKG}.validation.InvalidMessageException`, message: sapText, frames: [`${PKG}.validation.MessageValidator.validate(MessageValidator.java:77)`, `${PKG}.erp.ErpPostingListener.onMessage(ErpPostingListener.java:44)`] }
    case 'dependency_timeout':
      return { cause: `${PKG}.erp.DependencyTimeoutException`, message: `No stock after waiting for ${error.dependency_key ?? 'the dependency'}: ${sapText}`, frames: [`${PKG}.erp.DependencyWaiter.expire(DependencyWaiter.java:93)`, ...erpFrames] }
    case 'partial':
      return { cause: `${PKG}.erp.PartialPostingException`, message: sapText, frames: [`${PKG}.erp.PostingResult.requireComplete(PostingResult.java:52)`, ...erpFrames] }
    case 'retries_exhausted':
    case 'permanent':
      if (error.http_status) {
        const cls = HTTP_EXCEPTIONS[error.http_status] ?? 'org.springframework.web.client.HttpServerErrorException'
        return { cause: cls, message: `${error.http_status} ${error.text}`, frames: httpFrames }
      }
      return { cause: 'com.sap.conn.jco.AbapException', message: `(126) ERROR: ${sapText}`, frames: rfcFrames }
  }
}

const HTTP_EXCEPTIONS: Record<number, string> = {
  403: 'org.springframework.web.client.HttpClientErrorException$Forbidden',
  429: 'org.springframework.web.client.HttpClientErrorException$TooManyRequests',
  503: 'org.springframework.web.client.HttpServerErrorException$ServiceUnavailable',
  504: 'org.springframework.web.client.HttpServerErrorException$GatewayTimeout',
}

function connectException(reason: DeadLetterReason): string {
  if (reason === 'validation') return 'org.apache.kafka.connect.errors.DataException'
  if (reason === 'retries_exhausted') return 'org.apache.kafka.connect.errors.RetriableException'
  return 'org.apache.kafka.connect.errors.ConnectException'
}

function springStack(ex: JavaException): string {
  return [
    `org.springframework.kafka.listener.ListenerExecutionFailedException: Listener method threw exception`,
    '\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.decorateException(KafkaMessageListenerContainer.java:2954)',
    '\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.doInvokeOnMessage(KafkaMessageListenerContainer.java:2867)',
    '\tat org.springframework.kafka.listener.KafkaMessageListenerContainer$ListenerConsumer.invokeOnMessage(KafkaMessageListenerContainer.java:2818)',
    '\tat java.base/java.lang.Thread.run(Thread.java:840)',
    `Caused by: ${ex.cause}: ${ex.message}`,
    ...ex.frames.map((f) => `\tat ${f}`),
    '\t... 14 more',
  ].join('\n')
}

function connectStack(cls: string, ex: JavaException): string {
  return [
    `${cls}: ${ex.message}`,
    '\tat com.acme.connect.sap.SapErpSinkTask.put(SapErpSinkTask.java:118)',
    '\tat org.apache.kafka.connect.runtime.WorkerSinkTask.deliverMessages(WorkerSinkTask.java:605)',
    '\tat org.apache.kafka.connect.runtime.WorkerSinkTask.poll(WorkerSinkTask.java:344)',
    '\tat org.apache.kafka.connect.runtime.WorkerTask.run(WorkerTask.java:204)',
    `Caused by: ${ex.cause}: ${ex.message}`,
    ...ex.frames.map((f) => `\tat ${f}`),
    '\t... 11 more',
  ].join('\n')
}
