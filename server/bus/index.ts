import type { Config } from '../config'
import { KafkaTransport } from './kafka'
import { LocalTransport } from './local'
import type { Transport } from './port'

export type * from './port'

/** Kafka when KAFKA_BROKERS is set, else the in-process bus (see ARCHITECTURE.md, "Where each part runs"). */
export function createTransport(config: Config): Transport {
  return config.modes.transport === 'kafka' ? new KafkaTransport(config.kafka) : new LocalTransport()
}

/**
 * One transport per process, on globalThis: the start script and the Next.js route bundles are
 * separate module graphs in one process, and the in-process bus only connects a producer and a
 * consumer that hold the same instance.
 */
const KEY = Symbol.for('linetrace.transport')
type Holder = Record<symbol, Transport | undefined>

/** The process's transport, created from `config` on first use (later calls return it whatever their config). */
export function getTransport(config: Config): Transport {
  const holder = globalThis as unknown as Holder
  return (holder[KEY] ??= createTransport(config))
}

/** Closes the process's transport (stops its consumers, disconnects clients); the next getTransport() creates a new one. */
export async function closeTransport(): Promise<void> {
  const holder = globalThis as unknown as Holder
  const transport = holder[KEY]
  holder[KEY] = undefined
  await transport?.close()
}
