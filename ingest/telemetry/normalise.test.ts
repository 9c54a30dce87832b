import { describe, expect, test } from 'vitest'
import type { Headers } from '../../server/bus/port'
import { hopEventSchema, type HopEvent } from '../../server/domain/hop-event'
import { makeHopEvent } from '../testing/telemetry-records'
import { normalise, parseTraceparent } from './normalise'
import { OriginCache } from './origin-cache'

const NOW = new Date('2026-11-22T13:10:00.000Z')
const TP = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'
const TP2 = '00-11111111111111111111111111111111-2222222222222222-00'

function event(overrides: Partial<HopEvent> = {}, omit: (keyof HopEvent)[] = []): HopEvent {
  const e: Record<string, unknown> = hopEventSchema.parse(makeHopEvent())
  Object.assign(e, overrides)
  for (const k of omit) delete e[k]
  return e as HopEvent
}

const headers = (h: Record<string, string>): Headers => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)]))

describe('origin_time', () => {
  test('a hop without it takes the origin an earlier hop of the transaction sent', () => {
    const cache = new OriginCache()
    const first = event({ correlation_id: 'T1', origin_time: '2026-11-22T12:00:00.000Z', occurred_at: '2026-11-22T12:00:01.000Z' })
    const later = event({ correlation_id: 'T1', occurred_at: '2026-11-22T12:05:00.000Z' }, ['origin_time'])
    expect(normalise(first, {}, cache, NOW).origin_time).toBe('2026-11-22T12:00:00.000Z')
    expect(normalise(later, {}, cache, NOW).origin_time).toBe('2026-11-22T12:00:00.000Z')
  })

  test('without any origin sent, the first hop seen fixes it: hops arriving out of order stay one transaction', () => {
    const cache = new OriginCache()
    const at = (t: string) => normalise(event({ correlation_id: 'T2', occurred_at: t }, ['origin_time']), {}, cache, NOW).origin_time
    expect(at('2026-11-22T12:05:00.000Z')).toBe('2026-11-22T12:05:00.000Z')
    // Earlier, but later seen (another service's export): the transaction keeps its key.
    expect(at('2026-11-22T12:03:00.000Z')).toBe('2026-11-22T12:05:00.000Z')
    expect(at('2026-11-22T12:09:00.000Z')).toBe('2026-11-22T12:05:00.000Z')
  })

  test('a sent origin is authoritative over an inferred one; an unknown transaction uses occurred_at', () => {
    const cache = new OriginCache()
    normalise(event({ correlation_id: 'T3', occurred_at: '2026-11-22T12:05:00.000Z' }, ['origin_time']), {}, cache, NOW)
    normalise(event({ correlation_id: 'T3', origin_time: '2026-11-22T12:06:00.000Z' }), {}, cache, NOW)
    expect(normalise(event({ correlation_id: 'T3', occurred_at: '2026-11-22T12:01:00.000Z' }, ['origin_time']), {}, cache, NOW).origin_time).toBe(
      '2026-11-22T12:06:00.000Z',
    )
    expect(normalise(event({ correlation_id: 'other', occurred_at: '2026-11-22T12:07:00.000Z' }, ['origin_time']), {}, cache, NOW).origin_time).toBe(
      '2026-11-22T12:07:00.000Z',
    )
  })

  test('the cache is a bounded LRU', () => {
    const cache = new OriginCache(2)
    const see = (id: string, t: string) => normalise(event({ correlation_id: id, origin_time: t }), {}, cache, NOW)
    see('A', '2026-11-22T01:00:00.000Z')
    see('B', '2026-11-22T02:00:00.000Z')
    expect(cache.get('A')?.iso).toBe('2026-11-22T01:00:00.000Z') // A is now the most recent
    see('C', '2026-11-22T03:00:00.000Z')
    expect(cache.size).toBe(2)
    expect(cache.get('B')).toBeUndefined()
    expect(cache.get('A')).toBeDefined()
  })
})

describe('recorded_at', () => {
  test('filled with the ingest time when missing, kept when sent', () => {
    const cache = new OriginCache()
    expect(normalise(event({}, ['recorded_at']), {}, cache, NOW).recorded_at).toBe(NOW.toISOString())
    expect(normalise(event({ recorded_at: '2026-11-22T13:05:01+01:00' }), {}, cache, NOW).recorded_at).toBe('2026-11-22T13:05:01+01:00')
  })
})

describe('trace context', () => {
  const bare = () => event({}, ['trace_id', 'span_id'])

  test('a traceparent header fills trace_id and span_id when the body lacks them', () => {
    const e = normalise(bare(), headers({ traceparent: TP }), new OriginCache(), NOW)
    expect(e).toMatchObject({ trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' })
  })

  test('the CloudEvent trace context (extension, then ce_traceparent) comes before a plain traceparent', () => {
    expect(normalise(bare(), headers({ traceparent: TP2, ce_traceparent: TP }), new OriginCache(), NOW).trace_id).toBe('0af7651916cd43dd8448eb211c80319c')
    expect(normalise(bare(), headers({ ce_traceparent: TP2 }), new OriginCache(), NOW, TP).trace_id).toBe('0af7651916cd43dd8448eb211c80319c')
  })

  test('ids in the body win; a span id is only borrowed from the same trace', () => {
    const full = event()
    expect(normalise(full, headers({ traceparent: TP }), new OriginCache(), NOW)).toMatchObject({ trace_id: full.trace_id, span_id: full.span_id })
    const sameTrace = event({ trace_id: '0af7651916cd43dd8448eb211c80319c' }, ['span_id'])
    expect(normalise(sameTrace, headers({ traceparent: TP }), new OriginCache(), NOW).span_id).toBe('b7ad6b7169203331')
    const otherTrace = event({}, ['span_id'])
    expect(normalise(otherTrace, headers({ traceparent: TP }), new OriginCache(), NOW).span_id).toBeUndefined()
  })

  test.each([
    ['version ff', 'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'],
    ['zero trace id', `00-${'0'.repeat(32)}-b7ad6b7169203331-01`],
    ['zero span id', `00-0af7651916cd43dd8448eb211c80319c-${'0'.repeat(16)}-01`],
    ['upper case', '00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01'],
    ['short trace id', '00-0af7651916cd43dd8448eb211c8031-b7ad6b7169203331-01'],
    ['extra field on version 00', `${TP}-extra`],
    ['garbage', 'hello'],
  ])('an invalid traceparent (%s) is ignored', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined()
    expect(normalise(bare(), headers({ traceparent: value }), new OriginCache(), NOW).trace_id).toBeUndefined()
  })

  test('a later version may append fields', () => {
    expect(parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-ever')).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
    })
  })
})

test('completes the event in place, touching nothing but the fields it fills', () => {
  const e = event({}, ['origin_time', 'recorded_at', 'trace_id', 'span_id'])
  const before = structuredClone(e)
  const out = normalise(e, headers({ traceparent: TP }), new OriginCache(), NOW)
  expect(out).toBe(e)
  const { origin_time, recorded_at, trace_id, span_id, ...rest } = out
  expect(rest).toEqual(before)
  expect({ origin_time, recorded_at, trace_id, span_id }).toEqual({ origin_time: before.occurred_at, recorded_at: NOW.toISOString(), trace_id: '0af7651916cd43dd8448eb211c80319c', span_id: 'b7ad6b7169203331' })
})
