import { lastHeaderText } from '../../server/bus/headers'
import type { BusRecord, Transport } from '../../server/bus/port'
import { uniqueTopic, waitFor } from '../../server/bus/testing'

/**
 * Reading a run's topics back, and a hop-event decoder written from EVENT-MODEL.md "On the wire"
 * (not the simulator's encoder, and not the ingest worker's decoder).
 */

/** Every record of the matching topics, in (topic, partition, offset) order. */
export async function readTopics(transport: Transport, topics: string[] | RegExp): Promise<BusRecord[]> {
  const consumer = transport.consumer({ groupId: uniqueTopic('sim-test-reader'), topics, fromBeginning: true })
  const records: BusRecord[] = []
  await consumer.run(async (batch) => {
    records.push(...batch.records)
  })
  await waitFor('the reader to reach the end of every partition', async () => {
    const lag = await consumer.lag()
    return lag.every((l) => l.lag === 0) ? true : undefined
  })
  await consumer.stop()
  return records.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset))))
}

export type Encoding = 'json' | 'cloudevents-structured' | 'cloudevents-binary'

/** A telemetry record back to hop fields: CloudEvent attributes fill what the data leaves out. */
export function decodeHop(record: BusRecord): { encoding: Encoding; event: Record<string, unknown> } {
  const value = JSON.parse(record.value!.toString('utf8')) as Record<string, unknown>
  const fill = (event: Record<string, unknown>, get: (attr: string) => unknown) => {
    for (const [field, attr] of [
      ['event_id', 'id'],
      ['event_type', 'type'],
      ['occurred_at', 'time'],
      ['correlation_id', 'correlationid'],
      ['causation_id', 'causationid'],
    ] as const)
      if (event[field] === undefined && get(attr) !== undefined) event[field] = get(attr)
    return event
  }
  if (lastHeaderText(record.headers, 'content-type')?.startsWith('application/cloudevents+json'))
    return { encoding: 'cloudevents-structured', event: fill({ ...(value.data as Record<string, unknown>) }, (a) => value[a]) }
  if (lastHeaderText(record.headers, 'ce_specversion') !== undefined)
    return { encoding: 'cloudevents-binary', event: fill(value, (a) => lastHeaderText(record.headers, `ce_${a}`)) }
  return { encoding: 'json', event: value }
}
