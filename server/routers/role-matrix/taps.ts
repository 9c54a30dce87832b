import { getTransport } from '../../bus'
import type { TapDefinitionInput } from '../../domain/taps'
import type { World } from './world'

/** Taps for the role matrix's calls: a valid definition, a stored tap, a paused one, a topic to preview. */

export const matrixTapDefinition = (name: string, topic = 'role-matrix-business'): TapDefinitionInput => ({
  name,
  topic,
  mapping: {
    correlation_id: '$.orderId',
    event_type: { value: 'production.operation_confirmed' },
    flow: { value: 'production_confirmation' },
    hop: { value: 'mes' },
    plant: { value: '1000' },
  },
})

export async function matrixTap(w: World, topic?: string): Promise<string> {
  const name = w.make.unique('tap')
  await w.runtime.db.prisma.tap.create({ data: { name, definition: matrixTapDefinition(name, topic) as object, createdBy: 'role-matrix', updatedBy: 'role-matrix' } })
  return name
}

/** A stored tap the worker paused (too many failures): what resume acts on. */
export async function pausedMatrixTap(w: World): Promise<string> {
  const name = await matrixTap(w)
  await w.runtime.db.prisma.tapStatus.create({ data: { name, origin: 'database', state: 'paused', pausedReason: 'role matrix: 60 % of the last 100 records failed' } })
  return name
}

/** An (empty) topic on the runtime's bus, so a preview reaches the read. */
export async function matrixTapTopic(w: World): Promise<string> {
  const topic = w.make.unique('rm-tapped')
  await getTransport(w.runtime.config).ensureTopics([{ name: topic, partitions: 2 }])
  return topic
}
