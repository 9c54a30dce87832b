import { logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry, type logCreator, type SASLOptions } from 'kafkajs'
import type { Config } from '../config'
import { logger, type Logger } from '../logger'
import { type Backoff, retry } from '../retry'

/** The kafkajs client as we configure it: connection and credentials, its log lines bridged to pino, and the retries its admin lacks. */

export function kafkaClientConfig(config: Config['kafka'], base: Logger = logger): KafkaConfig {
  return {
    clientId: config.clientId,
    brokers: config.brokers,
    ssl: config.ssl,
    sasl: config.sasl && saslOptions(config.sasl),
    logLevel: kafkaLogLevel(base),
    logCreator: kafkaLogCreator(base),
  }
}

function saslOptions(sasl: NonNullable<Config['kafka']['sasl']>): SASLOptions {
  const { username, password } = sasl
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password }
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password }
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password }
  }
}

/** kafkajs builds no log lines pino would discard: INFO and DEBUG only when pino wants them. */
function kafkaLogLevel(base: Logger): KafkaLogLevel {
  if (base.isLevelEnabled('trace')) return KafkaLogLevel.DEBUG
  if (base.isLevelEnabled('debug')) return KafkaLogLevel.INFO
  return KafkaLogLevel.WARN
}

const SECRET_KEY = /pass|secret|token|sasl|credential/i

/**
 * kafkajs' levels shifted to ours: its INFO (joins, starts, pauses) is routine → debug, DEBUG →
 * trace. Its network layer logs every refused connection and failed response as ERROR although
 * the caller retries and reports a final failure itself (a broker restarting, "coordinator is
 * loading" on a fresh broker) → warn.
 */
const RETRIED = new Set(['Connection', 'BrokerPool'])

export function kafkaLogCreator(base: Logger): logCreator {
  const out = base.child({ component: 'kafkajs' })
  return () =>
    ({ namespace, level, log: entry }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...extra } = entry
      for (const key of Object.keys(extra)) if (SECRET_KEY.test(key)) delete extra[key]
      const fields = { namespace, ...extra }
      if (level === KafkaLogLevel.ERROR) {
        const transient = RETRIED.has(namespace) || String(message).startsWith('Restarting the consumer')
        out[transient ? 'warn' : 'error'](fields, message)
      } else if (level === KafkaLogLevel.WARN) out.warn(fields, message)
      else if (level === KafkaLogLevel.INFO) out.debug(fields, message)
      else out.trace(fields, message)
    }
}

/** 0.1 s doubling: five waits, 3.1 s in all, before the sixth and last attempt. */
const ADMIN_BACKOFF: Backoff = { initialMs: 100, maxMs: 3_200 }

/**
 * Retries what kafkajs' admin does not: right after a topic is created the broker may still answer
 * NOT_LEADER_FOR_PARTITION for it (its own metadata trails the KRaft controller's), a retriable error.
 */
export function retried<T>(what: string, call: () => Promise<T>): Promise<T> {
  return retry(what, call, { attempts: 6, backoff: ADMIN_BACKOFF, retryable: (error) => (error as { retriable?: boolean }).retriable === true })
}
