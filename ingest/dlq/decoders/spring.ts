import { compact, hasPrefix, int, integer, text, time } from './header-values'
import { springRootCause } from './java-cause'
import type { DlqDecoder } from './types'

/**
 * Spring Kafka's DeadLetterPublishingRecoverer: `kafka_dlt-original-*` with the partition as
 * int32 and offset/timestamp as int64 (big-endian bytes), exception headers as UTF-8 text. The
 * error is the root cause (java-cause.ts): its class from `kafka_dlt-exception-cause-fqcn` (Spring
 * writes the root cause's class there) or the trace's last `Caused by:`, its message with the
 * listener wrapper's text cut off; the wrapper stays in the details.
 */
export const springDecoder: DlqDecoder = {
  convention: 'spring',
  matches: (h) => hasPrefix(h, 'kafka_dlt-'),
  decode(h) {
    const fqcn = text(h, 'kafka_dlt-exception-fqcn')
    const cause = text(h, 'kafka_dlt-exception-cause-fqcn')
    const message = text(h, 'kafka_dlt-exception-message')
    const stackTrace = text(h, 'kafka_dlt-exception-stacktrace')
    const root = springRootCause(message, stackTrace)
    return compact({
      convention: 'spring' as const,
      sourceTopic: text(h, 'kafka_dlt-original-topic'),
      sourcePartition: int(h, 'kafka_dlt-original-partition'),
      sourceOffset: integer(h, 'kafka_dlt-original-offset'),
      sourceTimestamp: time(h, 'kafka_dlt-original-timestamp'),
      consumerGroup: text(h, 'kafka_dlt-original-consumer-group'),
      errorClass: cause ?? root.className ?? fqcn,
      errorMessage: root.message,
      stackTrace,
      attempts: repeats(h['kafka_dlt-exception-message']),
      details: compact({
        exception: fqcn,
        cause,
        wrapperMessage: message !== root.message ? message : undefined,
        timestampType: text(h, 'kafka_dlt-original-timestamp-type'),
      }) as Record<string, string>,
    })
  },
}

/** Spring appends its headers again on every failure of a re-published record. */
function repeats(v: unknown): number | undefined {
  return Array.isArray(v) && v.length > 1 ? v.length : undefined
}
