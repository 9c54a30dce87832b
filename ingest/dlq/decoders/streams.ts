import { compact, hasPrefix, int, integer, text } from './header-values'
import type { DlqDecoder } from './types'

/**
 * Kafka Streams' dead-letter queue (KIP-1034): `__streams.errors.topic`, `.partition`, `.offset`,
 * `.exception`, `.message`, `.stacktrace`. Numbers are read as text or big-endian binary alike.
 */
const P = '__streams.errors.'

export const streamsDecoder: DlqDecoder = {
  convention: 'streams',
  matches: (h) => hasPrefix(h, P),
  decode(h) {
    return compact({
      convention: 'streams' as const,
      sourceTopic: text(h, `${P}topic`),
      sourcePartition: int(h, `${P}partition`),
      sourceOffset: integer(h, `${P}offset`),
      errorClass: text(h, `${P}exception`),
      errorMessage: text(h, `${P}message`) ?? text(h, `${P}exception.message`),
      stackTrace: text(h, `${P}stacktrace`) ?? text(h, `${P}exception.stacktrace`),
      details: compact({ processorNode: text(h, `${P}processor.node.id`), task: text(h, `${P}task.id`) }) as Record<string, string>,
    })
  },
}
