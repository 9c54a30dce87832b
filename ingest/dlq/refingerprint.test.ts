import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../server/db/client'
import { freshPgliteDb } from '../../server/db/testing'
import { insertDeadLetter, insertUniquePlant } from '../../server/services/testing/replays'
import { FINGERPRINT_VERSION, fingerprintOf } from './fingerprint'
import { refingerprintDeadLetters } from './refingerprint'

/**
 * The data migration of 20261205020000_exception_groups on PGlite: rows fingerprinted by the old
 * scheme (one group per plant: the source topic was part of it) join one group; a second run
 * changes nothing (idempotent); rows of the current version are not touched.
 */
describe('refingerprintDeadLetters', () => {
  let db: Db
  beforeAll(async () => {
    db = await freshPgliteDb()
  })
  afterAll(() => db.close())

  it('recomputes older rows into one cross-plant group, once', async () => {
    const a = await insertUniquePlant(db.prisma)
    const b = await insertUniquePlant(db.prisma)
    const old = [
      (await insertDeadLetter(db.prisma, { plant: a, sourceTopic: `lt.hub.${a}.in` })).row,
      (await insertDeadLetter(db.prisma, { plant: b, sourceTopic: `lt.hub.${b}.in` })).row,
    ]
    const current = (await insertDeadLetter(db.prisma, { plant: a })).row
    await db.prisma.deadLetter.update({ where: { id: current.id }, data: { fingerprintVersion: FINGERPRINT_VERSION, fingerprint: 'kept' } })
    expect(old.map((r) => r.fingerprintVersion)).toEqual([1, 1])

    expect(await refingerprintDeadLetters(db.prisma)).toBe(2)
    const rows = await db.prisma.deadLetter.findMany({ where: { id: { in: old.map((r) => r.id) } } })
    const expected = fingerprintOf({ code: 'M7/053', errorClass: old[0]!.errorClass, message: old[0]!.errorMessage, flow: 'production_confirmation', sourceTopic: null })
    expect(rows.map((r) => [r.fingerprint, r.fingerprintVersion])).toEqual([
      [expected, FINGERPRINT_VERSION],
      [expected, FINGERPRINT_VERSION],
    ])
    expect((await db.prisma.deadLetter.findUnique({ where: { id: current.id } }))!.fingerprint).toBe('kept')
    expect(await refingerprintDeadLetters(db.prisma)).toBe(0)
  })
})
