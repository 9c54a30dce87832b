import { compact, hasPrefix, int, integer, text, textUnder, time } from './header-values'
import type { DlqDecoder } from './types'

/**
 * Our own headers, all UTF-8 text:
 * - the reference hub's `x-dlq-*` (simulator/hub/dlq.ts): it knows the business error,
 *   so category, code, text, flow and attempts come decoded;
 * - Linetrace's telemetry DLQ `x-lt-dlq-*` / `x-lt-original-*` (ingest/telemetry/dlq.ts): a hop
 *   event the ingest pipeline could not accept, with the validation errors.
 */
export const hubDecoder: DlqDecoder = {
  convention: 'hub',
  matches: (h) => hasPrefix(h, 'x-dlq-'),
  decode(h) {
    const code = text(h, 'x-dlq-error-code')
    const message = text(h, 'x-dlq-error-text')
    const reason = text(h, 'x-dlq-reason')
    return compact({
      convention: 'hub' as const,
      sourceTopic: text(h, 'x-dlq-original-topic'),
      sourcePartition: int(h, 'x-dlq-original-partition'),
      sourceOffset: integer(h, 'x-dlq-original-offset'),
      sourceTimestamp: time(h, 'x-dlq-original-timestamp'),
      consumerGroup: text(h, 'x-dlq-consumer-group'),
      errorClass: reason ? `hub:${reason}` : undefined,
      errorMessage: code && message ? `${code} ${message}` : message,
      attempts: int(h, 'x-dlq-attempts'),
      errorCategory: text(h, 'x-dlq-error-category'),
      errorCode: code,
      flow: text(h, 'x-dlq-flow'),
      details: textUnder(h, 'x-dlq-'),
    })
  },
}

export const linetraceDecoder: DlqDecoder = {
  convention: 'linetrace',
  matches: (h) => hasPrefix(h, 'x-lt-dlq-'),
  decode(h) {
    const reason = text(h, 'x-lt-dlq-reason')
    const errors = text(h, 'x-lt-dlq-errors')
    return compact({
      convention: 'linetrace' as const,
      sourceTopic: text(h, 'x-lt-original-topic'),
      sourcePartition: int(h, 'x-lt-original-partition'),
      sourceOffset: integer(h, 'x-lt-original-offset'),
      sourceTimestamp: time(h, 'x-lt-original-timestamp'),
      errorClass: reason ? `linetrace:${reason}` : undefined,
      errorMessage: [reason, errors].filter(Boolean).join(': ') || undefined,
      errorCategory: 'permanent',
      errorCode: reason ? `LT_${reason.toUpperCase()}` : undefined,
      details: compact({ reason, valueTruncated: text(h, 'x-lt-dlq-value-truncated'), headersDropped: text(h, 'x-lt-dlq-headers-dropped') }) as Record<string, string>,
    })
  },
}
