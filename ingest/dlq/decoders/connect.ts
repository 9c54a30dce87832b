import { compact, hasPrefix, int, integer, text } from './header-values'
import type { DlqDecoder } from './types'

/**
 * Kafka Connect (`errors.deadletterqueue.context.headers.enable=true`): `__connect.errors.*`,
 * every value text, numbers in decimal. Connect records no consumer group header; a sink's group is
 * `connect-<connector name>`.
 */
const P = '__connect.errors.'

export const connectDecoder: DlqDecoder = {
  convention: 'connect',
  matches: (h) => hasPrefix(h, P),
  decode(h) {
    const connector = text(h, `${P}connector.name`)
    return compact({
      convention: 'connect' as const,
      sourceTopic: text(h, `${P}topic`),
      sourcePartition: int(h, `${P}partition`),
      sourceOffset: integer(h, `${P}offset`),
      consumerGroup: connector ? `connect-${connector}` : undefined,
      errorClass: text(h, `${P}exception.class.name`),
      errorMessage: text(h, `${P}exception.message`),
      stackTrace: text(h, `${P}exception.stacktrace`),
      details: compact({ connector, task: text(h, `${P}task.id`), stage: text(h, `${P}stage`), executingClass: text(h, `${P}class.name`) }) as Record<string, string>,
    })
  },
}
