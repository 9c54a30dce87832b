import { expect, test, vi } from 'vitest'
import { hopEventSchema } from '../../server/domain/hop-event'
import { decodeRecord } from './decode'
import { makeHopEvent, makePlainRecord } from '../testing/telemetry-records'

// A compiled validator that rejects everything: the one disagreement decode can see at run time.
vi.mock('./hop-event-validator', () => ({ hopEventInPlace: () => undefined }))

test('a record the compiled validator rejects but zod accepts is kept, as zod reads it (zod is the contract)', () => {
  const { schema_version: _, ...input } = makeHopEvent()
  const sent = { ...input, extra: 1 }
  const d = decodeRecord(makePlainRecord(sent))
  expect(d.ok && d.event).toEqual(hopEventSchema.parse(sent))
})

test('a record both reject still fails with zod’s errors', () => {
  const d = decodeRecord(makePlainRecord({ ...makeHopEvent(), plant: '' }))
  expect(d).toMatchObject({ ok: false, reason: 'schema', errors: [{ path: 'plant' }] })
})
