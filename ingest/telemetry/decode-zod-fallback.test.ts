import { expect, test } from 'vitest'
import { hopEventSchema } from '../../server/domain/hop-event'
import { decodeRecord } from './decode'
import { checkHopEvent } from './hop-event-validator'
import { makeHopEvent, makePlainRecord } from '../testing/telemetry-records'

// A compiled validator that rejects everything: the one disagreement decode, the OTLP mapper and
// the tap mapper (all through checkHopEvent) can see at run time.
const rejectsAll = () => undefined

test('a record the compiled validator rejects but zod accepts is kept, as zod reads it (zod is the contract)', () => {
  const { schema_version: _, ...input } = makeHopEvent()
  const sent = { ...input, extra: 1 }
  expect(checkHopEvent(structuredClone(sent), rejectsAll).event).toEqual(hopEventSchema.parse(sent))
})

test('a record both reject still fails with zod’s errors', () => {
  const bad = { ...makeHopEvent(), plant: '' }
  expect(checkHopEvent(structuredClone(bad), rejectsAll).issues?.map((i) => i.path.join('.'))).toEqual(['plant'])
  const d = decodeRecord(makePlainRecord(bad))
  expect(d).toMatchObject({ ok: false, reason: 'schema', errors: [{ path: 'plant' }] })
})
