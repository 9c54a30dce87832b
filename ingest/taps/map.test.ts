import { describe, expect, it } from 'vitest'
import type { BusRecord } from '../../server/bus/port'
import { hopEventSchema, MAX_PAYLOAD_BYTES } from '../../server/domain/hop-event'
import { tapDefinitionSchema, type TapDefinitionInput } from '../../server/domain/taps'
import jsonata from 'jsonata'
import { simplePath } from './fields'
import { compileTap, TapCompileError, tapCompileErrors, type TapMapResult } from './map'

/** Crafted records of a plant's business topics, mapped as SOURCES.md "Topic taps" describes. */

const AT = Date.parse('2026-11-22T13:05:00.000Z')

function record(value: string | Buffer | null, extra: Partial<BusRecord> = {}): BusRecord {
  return {
    topic: 'mes.confirmations',
    partition: 2,
    offset: '41',
    key: null,
    value: typeof value === 'string' ? Buffer.from(value) : value,
    headers: {},
    timestamp: AT,
    ...extra,
  }
}

function tap(input: Partial<Omit<TapDefinitionInput, 'mapping'>> & { mapping?: Partial<TapDefinitionInput['mapping']> }) {
  return tapDefinitionSchema.parse({
    name: 'mes-confirmations',
    topic: 'mes.confirmations',
    ...input,
    mapping: {
      correlation_id: '$.MES_CONF_ID',
      event_type: { value: 'production.operation_confirmed' },
      flow: { value: 'production_confirmation' },
      hop: { value: 'mes' },
      plant: '$.plant',
      ...input.mapping,
    },
  })
}

function ok(result: TapMapResult) {
  if (!result.ok) throw new Error(`expected a hop event, got ${JSON.stringify(result)}`)
  return result
}

const confirmation = {
  MES_CONF_ID: 'CONF-7781',
  plant: 3000,
  order: { workOrder: 1550001234, operation: '0010', material: 'A-706' },
  yield: { good: '12', scrap: 1, uom: 'PC' },
  confirmedAt: '2026-11-22T13:04:59.500Z',
  line: 'L2',
  lines: [{ serial: 'S1' }, { serial: 'S2' }],
}

describe('compileTap over JSON records', () => {
  it('maps paths, constants, keys, headers and metadata; numbers become text where the contract wants text', async () => {
    const mapped = compileTap(
      tap({
        mapping: {
          occurred_at: '$.confirmedAt',
          source_system: { value: 'MES' },
          source_instance: '$headers.producer',
          business: { work_order: '$.order.workOrder', operation: '$.order.operation', material: '$.order.material', quantity_good: '$.yield.good', quantity_scrap: '$.yield.scrap', quantity_uom: '$.yield.uom' },
          attributes: { line: '$.line', serials: '$.lines.serial', key: '$key', where: '$meta.topic & "/" & $meta.partition & "@" & $meta.offset', at: '$meta.timestamp' },
        },
      }),
    )
    const result = ok(await mapped.map(record(JSON.stringify(confirmation), { key: Buffer.from('K-1'), headers: { producer: [Buffer.from('old'), Buffer.from('mes-a')] } })))
    expect(hopEventSchema.parse(result.event)).toBeTruthy()
    expect(result.event).toMatchObject({
      event_id: 'tap:mes.confirmations:2:41',
      event_type: 'production.operation_confirmed',
      correlation_id: 'CONF-7781',
      occurred_at: '2026-11-22T13:04:59.500Z',
      flow: 'production_confirmation',
      hop: 'mes',
      status: 'ok',
      plant: '3000',
      source: { system: 'MES', instance: 'mes-a' },
      business: { work_order: '1550001234', operation: '0010', material: 'A-706', quantity: { good: 12, scrap: 1, uom: 'PC' } },
      attributes: {
        line: 'L2',
        serials: '["S1","S2"]',
        key: 'K-1',
        where: 'mes.confirmations/2@41',
        at: '2026-11-22T13:05:00.000Z',
        'linetrace.tap': 'mes-confirmations',
      },
      payload: confirmation,
    })
    expect(result.event.error).toBeUndefined()
    expect(result.payloadJson).toBe(JSON.stringify(confirmation))
    expect(result.payloadTruncated).toBe(false)
  })

  it('defaults occurred_at to the record timestamp and status to ok', async () => {
    const result = ok(await compileTap(tap({})).map(record(JSON.stringify(confirmation))))
    expect(result.event.occurred_at).toBe('2026-11-22T13:05:00.000Z')
    expect(result.event.status).toBe('ok')
  })

  it('reads a time given as milliseconds since the epoch', async () => {
    const result = ok(await compileTap(tap({ mapping: { occurred_at: '$.ms' } })).map(record(JSON.stringify({ ...confirmation, ms: AT + 1 }))))
    expect(result.event.occurred_at).toBe('2026-11-22T13:05:00.001Z')
  })

  it('names the field and the expression when a required field is missing', async () => {
    const result = await compileTap(tap({ mapping: { correlation_id: '$.header.MES_CONF_ID' } })).map(record(JSON.stringify(confirmation)))
    expect(result).toMatchObject({ ok: false, reason: 'missing', field: 'correlation_id', expression: '$.header.MES_CONF_ID' })
    expect(!result.ok && result.message).toContain('$.header.MES_CONF_ID gave nothing')
  })

  it('names the field when the value breaks the hop contract', async () => {
    const result = await compileTap(tap({ mapping: { plant: '$.line & " plant"' } })).map(record(JSON.stringify(confirmation)))
    expect(result).toMatchObject({ ok: false, reason: 'schema', field: 'plant', expression: '$.line & " plant"' })
    expect(!result.ok && result.message).toMatch(/^plant: "L2 plant" must be an ERP plant code/)
    const status = await compileTap(tap({ mapping: { status: '$.line' } })).map(record(JSON.stringify(confirmation)))
    expect(status).toMatchObject({ ok: false, reason: 'schema', field: 'status', expression: '$.line' })
  })

  it('refuses a field that gives several values or an object', async () => {
    const result = await compileTap(tap({ mapping: { business: { lot: '$.lines.serial' } } })).map(record(JSON.stringify(confirmation)))
    expect(result).toMatchObject({ ok: false, reason: 'expression', field: 'business.lot', expression: '$.lines.serial' })
    expect(!result.ok && result.message).toContain('several values')
  })

  it('reports an expression that fails on a record', async () => {
    const result = await compileTap(tap({ mapping: { business: { lot: '$number($.line)' } } })).map(record(JSON.stringify(confirmation)))
    expect(result).toMatchObject({ ok: false, reason: 'expression', field: 'business.lot', expression: '$number($.line)' })
  })

  it('dead-letters values that are not JSON, not UTF-8 or empty', async () => {
    const mapped = compileTap(tap({}))
    expect(await mapped.map(record('CONF-7781;3000'))).toMatchObject({ ok: false, reason: 'not_json' })
    expect(await mapped.map(record(Buffer.from([0xc3, 0x28])))).toMatchObject({ ok: false, reason: 'not_utf8' })
    expect(await mapped.map(record(null))).toMatchObject({ ok: false, reason: 'empty' })
  })

  it('keeps the record as the payload, cut at 256 KiB and flagged', async () => {
    const big = { ...confirmation, blob: 'x'.repeat(MAX_PAYLOAD_BYTES) }
    const result = ok(await compileTap(tap({})).map(record(JSON.stringify(big))))
    expect(result.payloadTruncated).toBe(true)
    expect(Buffer.byteLength(result.payloadJson)).toBe(MAX_PAYLOAD_BYTES)
  })

  it('bounds attributes like OTLP: 64 keys of at most 1 KiB', async () => {
    const attributes = Object.fromEntries(Array.from({ length: 70 }, (_, i) => [`a${i}`, '$.long']))
    const result = ok(await compileTap(tap({ mapping: { attributes } })).map(record(JSON.stringify({ ...confirmation, long: 'é'.repeat(1000) }))))
    expect(Object.keys(result.event.attributes!)).toHaveLength(64)
    expect(Buffer.byteLength(result.event.attributes!.a0!)).toBeLessThanOrEqual(1024)
  })

  it('hashes a topic name too long for the event id', async () => {
    const topic = `t.${'x'.repeat(200)}`
    const result = ok(await compileTap(tap({ topic })).map(record(JSON.stringify(confirmation), { topic })))
    expect(result.event.event_id).toMatch(/^tap:[0-9a-f]{32}:2:41$/)
  })
})

describe('an ERP acknowledgement tap', () => {
  const ack = tap({
    name: 'erp-acks',
    topic: 'erp.acks',
    mapping: {
      correlation_id: '$.REF',
      event_type: 'STATUS = "53" ? "erp.posting_succeeded" : "erp.posting_failed"',
      hop: { value: 'erp' },
      status: 'STATUS = "53" ? "ok" : "error"',
      error_code: '$.MSGID & "/" & $.MSGNO',
      error_text: '$.MESSAGE',
      business: { erp_document: '$.DOCNUM' },
    },
  })

  it('maps a success acknowledgement without an error', async () => {
    const result = ok(await compileTap(ack).map(record(JSON.stringify({ REF: 'CONF-1', plant: '3000', STATUS: '53', DOCNUM: 4900001, MESSAGE: 'Document posted' }))))
    expect(result.event).toMatchObject({ event_type: 'erp.posting_succeeded', status: 'ok', business: { erp_document: '4900001' } })
    expect(result.event.error).toBeUndefined()
  })

  it('maps status E to a failed posting with the message as the error and a category', async () => {
    const mapped = compileTap(ack)
    const failed = ok(await mapped.map(record(JSON.stringify({ REF: 'CONF-2', plant: '3000', STATUS: '51', MSGID: 'M7', MSGNO: '021', MESSAGE: 'Deficit of material A-706 12 PC' }))))
    expect(failed.event).toMatchObject({
      event_type: 'erp.posting_failed',
      status: 'error',
      error: { category: 'permanent', code: 'M7/021', text: 'Deficit of material A-706 12 PC', retryable: false },
    })
    const locked = ok(await mapped.map(record(JSON.stringify({ REF: 'CONF-3', plant: '3000', STATUS: '51', MSGID: 'M3', MSGNO: '897', MESSAGE: 'Plant data of material A-706 is locked by user HUB' }))))
    expect(locked.event.error).toMatchObject({ category: 'transient', retryable: true })
  })

  it('reads the attempt of a retried posting as a whole number, and refuses one that is not an attempt', async () => {
    const withAttempt = compileTap({ ...ack, mapping: { ...ack.mapping, attempt: '$.ATTEMPT' } })
    const row = { REF: 'CONF-5', plant: '3000', STATUS: '53', DOCNUM: 4900002 }
    expect(ok(await withAttempt.map(record(JSON.stringify({ ...row, ATTEMPT: '2' })))).event.attempt).toBe(2)
    expect(ok(await withAttempt.map(record(JSON.stringify(row)))).event.attempt).toBeUndefined()
    expect(await withAttempt.map(record(JSON.stringify({ ...row, ATTEMPT: 0 })))).toMatchObject({ ok: false, reason: 'schema', field: 'attempt', expression: '$.ATTEMPT' })
    expect(await withAttempt.map(record(JSON.stringify({ ...row, ATTEMPT: 'second' })))).toMatchObject({ ok: false, field: 'attempt', expression: '$.ATTEMPT' })
  })

  it('takes the category from error_category when mapped, and refuses one that is not a category', async () => {
    const withCategory = compileTap({ ...ack, mapping: { ...ack.mapping, error_category: '$.CAT' } })
    const row = { REF: 'CONF-4', plant: '3000', STATUS: '51', MSGID: 'M7', MSGNO: '021', MESSAGE: 'Deficit' }
    expect(ok(await withCategory.map(record(JSON.stringify({ ...row, CAT: 'dependency' })))).event.error?.category).toBe('dependency')
    expect(await withCategory.map(record(JSON.stringify({ ...row, CAT: 'bad' })))).toMatchObject({ ok: false, reason: 'schema', field: 'error_category', expression: '$.CAT' })
  })
})

describe('compileTap over CloudEvents and text', () => {
  it('reads data as $ and the CloudEvent attributes as $meta.ce', async () => {
    const mapped = compileTap(tap({ format: 'cloudevents', mapping: { correlation_id: '$.confId', event_type: '$meta.ce.type', occurred_at: '$meta.ce.time', source_system: '$meta.ce.source' } }))
    const event = { specversion: '1.0', id: 'e-1', type: 'com.acme.mes.confirmed', source: 'mes-a', time: '2026-11-22T13:00:00Z', data: { confId: 'C-1', plant: '3000' } }
    expect(ok(await mapped.map(record(JSON.stringify(event)))).event).toMatchObject({
      correlation_id: 'C-1',
      event_type: 'com.acme.mes.confirmed',
      occurred_at: '2026-11-22T13:00:00Z',
      source: { system: 'mes-a' },
      payload: event,
    })
    expect(await mapped.map(record(JSON.stringify({ data: { confId: 'C-1' } })))).toMatchObject({ ok: false, reason: 'not_cloudevent' })
  })

  it('reads the named groups of textPattern, and dead-letters a line it does not match', async () => {
    const mapped = compileTap(tap({ format: 'text', textPattern: '^CONF (?<id>\\S+) plant=(?<plant>\\w+) wo=(?<wo>\\d+)$', mapping: { correlation_id: 'id', plant: 'plant', business: { work_order: 'wo' } } }))
    const result = ok(await mapped.map(record('CONF C-9 plant=3000 wo=1550001234')))
    expect(result.event).toMatchObject({ correlation_id: 'C-9', plant: '3000', business: { work_order: '1550001234' }, payload: 'CONF C-9 plant=3000 wo=1550001234' })
    expect(result.payloadJson).toBe('"CONF C-9 plant=3000 wo=1550001234"')
    expect(await mapped.map(record('HEARTBEAT'))).toMatchObject({ ok: false, reason: 'no_match' })
  })
})

describe('compile errors', () => {
  it('throws TapCompileError naming the first bad field and its expression', () => {
    const bad = tap({ mapping: { correlation_id: '$.a[', business: { lot: '$.b.(' } } })
    let thrown: unknown
    try {
      compileTap(bad)
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(TapCompileError)
    expect(thrown).toMatchObject({ field: 'correlation_id', expression: '$.a[' })
    expect(tapCompileErrors(bad).map((e) => e.field)).toEqual(['correlation_id', 'business.lot'])
  })

  it('checks constants, textPattern and the topic pattern', () => {
    const errors = tapCompileErrors(tap({ topic: '/mes.(/', format: 'text', textPattern: '^(\\d+)$', mapping: { status: { value: 'failed' } } }))
    expect(errors.map((e) => e.field)).toEqual(['status', 'textPattern', 'topic'])
    expect(tapCompileErrors(tap({ textPattern: '(?<a>x)' }))[0]).toMatchObject({ field: 'textPattern', message: expect.stringContaining('only read when format is text') })
    expect(tapCompileErrors(tap({}))).toEqual([])
  })
})

describe('plain paths read without JSONata', () => {
  it('give exactly what JSONata gives, arrays, primitives and inherited names included', async () => {
    const inputs: unknown[] = [
      { a: { b: { c: 'x' } }, n: 0, t: true, z: null, o: { k: 1 } },
      { a: [{ b: { c: 'x' } }, { b: { c: 'y' } }], n: [1] },
      { a: { b: [{ c: 1 }, { c: 2 }] } },
      { a: { b: 'text' } },
      [{ a: { b: { c: 'in an array' } } }],
      'plain text',
      null,
      { a: {} },
    ]
    const paths = ['a', 'a.b', 'a.b.c', '$.a.b.c', 'n', 't', 'z', 'o', 'missing.deep', 'a.constructor', 'constructor', 'a.b.length']
    for (const path of paths) {
      const viaJsonata = simplePathOf(path, false)
      const direct = simplePathOf(path, true)
      for (const input of inputs) expect(await direct(input), `${path} on ${JSON.stringify(input)}`).toEqual(await viaJsonata(input))
    }
  })

  it('leave everything else to JSONata', () => {
    const noop = () => undefined
    for (const expression of ['$key', 'a[0]', 'a.b + 1', 'true', 'a.null', '`a b`', '$.a[b="x"]', 'a.*', '$']) expect(simplePath(expression, noop), expression).toBeUndefined()
  })
})

function simplePathOf(path: string, direct: boolean) {
  const expression = jsonata(path)
  const slow = (input: unknown, bindings: Record<string, unknown>) => expression.evaluate(input, bindings)
  const evaluate = direct ? simplePath(path, slow)! : slow
  return async (input: unknown) => {
    const value = await evaluate(input, {})
    return typeof value === 'function' ? 'a function' : value
  }
}
