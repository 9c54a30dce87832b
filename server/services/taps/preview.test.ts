import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeTransport, getTransport } from '../../bus'
import type { Transport } from '../../bus/port'
import { uniqueTopic } from '../../bus/testing'
import { loadConfig, type Config } from '../../config'
import type { Db } from '../../db/client'
import { freshPgliteDb } from '../../db/testing'
import { DomainError } from '../../domain/errors'
import { makeCtx } from '../testing/ctx'
import { confirmationTap } from '../testing/taps'
import { makePrincipal } from '../testing/principal'
import { previewTap } from './preview'
import { createTap } from './taps'

/**
 * The tap preview on the in-process bus (the console's own transport in embedded mode): the newest
 * records across partitions, newest first, each beside its hop event or the reason it has none,
 * missing required fields named, nothing committed for any group.
 */

let db: Db
let config: Config
let bus: Transport

beforeAll(async () => {
  db = await freshPgliteDb()
  config = loadConfig({})
  bus = getTransport(config)
})
afterAll(async () => {
  await closeTransport()
  await db?.close()
})

const admin = () => makeCtx({ db: db.prisma, config }, makePrincipal('admin'))

const definition = (name: string, topic: string) => confirmationTap(name, { topic })

const confirmation = (i: number) => ({ MES_CONF_ID: `CONF-${i}`, AUFNR: `WO-${4000 + i}`, PLANT: '3000', QTY: i })

/** `n` confirmations, one a millisecond apart, spread over both partitions; returns the topic. */
async function topicWith(n: number, extra: { value: string; partition: number }[] = [], topic = uniqueTopic('tapped')): Promise<string> {
  await bus.ensureTopics([{ name: topic, partitions: 2 }])
  const t0 = Date.now() - 60_000
  const producer = await bus.producer()
  await producer.send(topic, [
    ...Array.from({ length: n }, (_, i) => ({ key: `CONF-${i}`, value: JSON.stringify(confirmation(i)), partition: i % 2, timestamp: t0 + i, headers: { source: 'mes' } })),
    ...extra.map((e, i) => ({ ...e, timestamp: t0 + n + i })),
  ])
  return topic
}

describe('the tap preview', () => {
  it('maps the newest records of an unsaved definition, newest first across partitions, and commits nothing', async () => {
    const topic = await topicWith(30)
    // The producer's own group has read part of the topic; the preview must not move it.
    const own = bus.consumer({ groupId: uniqueTopic('producer-group'), topics: [topic] })
    const before = await own.lag()

    const preview = await previewTap(admin(), { definition: definition('unsaved', topic), limit: 5 })
    expect(preview.problems).toEqual([])
    expect(preview.topics).toEqual([topic])
    expect(preview.rows.map((r) => r.record.key)).toEqual(['CONF-29', 'CONF-28', 'CONF-27', 'CONF-26', 'CONF-25'])
    const first = preview.rows[0]!
    expect(first.record).toMatchObject({ topic, partition: 1, headers: { source: 'mes' } })
    expect(JSON.parse(first.record.value!)).toEqual(confirmation(29))
    expect(first.mapping).toMatchObject({ ok: true, event: { correlation_id: 'CONF-29', plant: '3000', hop: 'mes', business: { work_order: 'WO-4029' } } })
    expect(first.missing).toEqual([])

    expect(await own.lag()).toEqual(before)
    const tapGroup = bus.consumer({ groupId: 'linetrace-tap-unsaved', topics: [topic] })
    expect((await tapGroup.lag()).map((p) => p.committed)).toEqual(before.map((p) => p.committed))
    await Promise.all([own.stop(), tapGroup.stop()])
  })

  it('previews a saved tap by name, defaults to 20 records, and shows records it cannot map beside the reason', async () => {
    const topic = await topicWith(25, [
      { value: JSON.stringify({ AUFNR: 'WO-9', PLANT: '3000' }), partition: 0 },
      { value: 'not json at all', partition: 1 },
    ])
    await createTap(admin(), { definition: definition('saved-conf', topic) })
    const preview = await previewTap(admin(), { name: 'saved-conf' })
    expect(preview.rows).toHaveLength(20)

    const [notJson, noId] = preview.rows
    expect(notJson!.record.value).toBe('not json at all')
    expect(notJson!.mapping.ok).toBe(false)
    expect(noId!.record.value).toContain('WO-9')
    expect(noId!.missing).toEqual(['correlation_id'])
    expect(preview.rows.slice(2).every((r) => r.mapping.ok)).toBe(true)
  })

  it('previews every topic a /regex/ matches', async () => {
    const base = uniqueTopic('plant')
    const [a, b] = [await topicWith(2, [], `${base}-conf`), await topicWith(3, [], `${base}-acks`)]
    await topicWith(1, [], `${base}-other`)
    const preview = await previewTap(admin(), { definition: definition('by-pattern', `/^${base}-(conf|acks)$/`), limit: 100 })
    expect(preview.topics).toEqual([b, a])
    expect(preview.rows).toHaveLength(5)
    expect(new Set(preview.rows.map((r) => r.record.topic))).toEqual(new Set([a, b]))
  })

  it('says which topic is unknown, returns definition problems without reading, and refuses non-admins', async () => {
    const unknown = await previewTap(admin(), { definition: definition('nowhere', 'no-such-topic-here') }).catch((e: unknown) => e)
    expect(unknown).toBeInstanceOf(DomainError)
    expect(unknown).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('No topic no-such-topic-here on the bus') })
    const noMatch = await previewTap(admin(), { definition: definition('nowhere', '/^nothing-matches-this-[0-9]+$/') }).catch((e: unknown) => e)
    expect(noMatch).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('No topic on the bus matches') })

    const bad = await previewTap(admin(), { definition: { ...definition('bad', 'whatever'), mapping: { ...definition('bad', 'x').mapping, plant: '$.PLANT[' } } })
    expect(bad.rows).toEqual([])
    expect(bad.problems.map((p) => `${p.label} (${p.field})`)).toEqual(['Plant (mapping.plant)'])

    const viewer = makeCtx({ db: db.prisma, config }, makePrincipal('viewer'))
    await expect(previewTap(viewer, { definition: definition('x', 'y') })).rejects.toMatchObject({ code: 'FORBIDDEN' })
  })
})
