import { compact, hasPrefix, int, integer, text } from './header-values'
import type { DlqDecoder } from './types'

/**
 * SmallRye Reactive Messaging / Quarkus (`failure-strategy=dead-letter-queue`): `dead-letter-*`,
 * all text: reason (the exception message), cause, exception and cause class names, and the
 * original topic, partition and offset.
 */
export const smallryeDecoder: DlqDecoder = {
  convention: 'smallrye',
  matches: (h) => hasPrefix(h, 'dead-letter-'),
  decode(h) {
    const cause = text(h, 'dead-letter-cause')
    const causeClass = text(h, 'dead-letter-cause-class-name')
    return compact({
      convention: 'smallrye' as const,
      sourceTopic: text(h, 'dead-letter-topic'),
      sourcePartition: int(h, 'dead-letter-partition'),
      sourceOffset: integer(h, 'dead-letter-offset'),
      errorClass: text(h, 'dead-letter-exception-class-name') ?? causeClass,
      errorMessage: text(h, 'dead-letter-reason') ?? cause,
      details: compact({ cause, causeClass }) as Record<string, string>,
    })
  },
}
