/**
 * A topic setting names one Kafka topic, or is `/regex/` for every topic the expression matches,
 * those created later included: DLQ_TOPICS (server/config.ts) and a tap's topic (server/domain/taps.ts).
 */

/** A Kafka topic name: what the broker accepts. */
export const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/

export function isTopicPattern(value: string): boolean {
  return value.length > 2 && value.startsWith('/') && value.endsWith('/')
}

/** The expression of a `/regex/` setting; an invalid one throws, saying so in the message. */
export function topicPattern(value: string): RegExp {
  try {
    return new RegExp(value.slice(1, -1))
  } catch (error) {
    throw new SyntaxError(`is not a valid regular expression: ${(error as Error).message}`)
  }
}
