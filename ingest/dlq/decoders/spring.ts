import { compact, hasPrefix, int, integer, text, time } from './header-values'
import type { DlqDecoder } from './types'

/**
 * Spring Kafka's DeadLetterPublishingRecoverer: `kafka_dlt-original-*` with the partition as
 * int32 and offset/timestamp as int64 (big-endian bytes), exception headers as UTF-8 text. The
 * cause's class names the failure better than the listener wrapper
 * (ListenerExecutionFailedException), so it is the error class when present.
 */
export const springDecoder: DlqDecoder = {
  convention: 'spring',
  matches: (h) => hasPrefix(h, 'kafka_dlt-'),
  decode(h) {
    const fqcn = text(h, 'kafka_dlt-exception-fqcn')
    const cause = text(h, 'kafka_dlt-exception-cause-fqcn')
    return compact({
      convention: 'spring' as const,
      sourceTopic: text(h, 'kafka_dlt-original-topic'),
      sourcePartition: int(h, 'kafka_dlt-original-partition'),
      sourceOffset: integer(h, 'kafka_dlt-original-offset'),
      sourceTimestamp: time(h, 'kafka_dlt-original-timestamp'),
      consumerGroup: text(h, 'kafka_dlt-original-consumer-group'),
      errorClass: cause ?? fqcn,
      errorMessage: text(h, 'kafka_dlt-exception-message'),
      stackTrace: text(h, 'kafka_dlt-exception-stacktrace'),
      attempts: repeats(h['kafka_dlt-exception-message']),
      details: compact({ exception: fqcn, cause, timestampType: text(h, 'kafka_dlt-original-timestamp-type') }) as Record<string, string>,
    })
  },
}

/** Spring appends its headers again on every failure of a re-published record. */
function repeats(v: unknown): number | undefined {
  return Array.isArray(v) && v.length > 1 ? v.length : undefined
}
