import { compact, hasPrefix, int, integer, text } from './header-values'
import type { DlqDecoder } from './types'

/**
 * Kafka Streams' dead-letter queue (KIP-1034, ExceptionHandlerUtils): `__streams.errors.topic`,
 * `.partition`, `.offset` (decimal text), `.exception` (Throwable.toString), `.message`, `.stacktrace`.
 * The built-in handlers write no processor node; `.processor.node.id` and `.task.id` are what a
 * describing handler adds (as Kafka's own tests name them), read when present.
 */
const P = '__streams.errors.'

export const streamsDecoder: DlqDecoder = {
  convention: 'streams',
  matches: (h) => hasPrefix(h, P),
  decode(h) {
    // Kafka's ExceptionHandlerUtils writes `exception` as Throwable.toString(): "<class>: <message>".
    const exception = text(h, `${P}exception`)
    return compact({
      convention: 'streams' as const,
      sourceTopic: text(h, `${P}topic`),
      sourcePartition: int(h, `${P}partition`),
      sourceOffset: integer(h, `${P}offset`),
      errorClass: exception?.split(/:\s/, 1)[0],
      errorMessage: text(h, `${P}message`) ?? text(h, `${P}exception.message`),
      stackTrace: text(h, `${P}stacktrace`) ?? text(h, `${P}exception.stacktrace`),
      details: compact({ processorNode: text(h, `${P}processor.node.id`), task: text(h, `${P}task.id`) }) as Record<string, string>,
    })
  },
}
