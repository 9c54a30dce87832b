import { describe, expect, it } from 'vitest'
import { GUIDANCE_BY_CODE, guidanceFor, primaryAction } from './error-guidance'

/** The catalogue's lookup order: code (refined by text), then message/class patterns, then the category. */
describe('guidanceFor', () => {
  it('finds the SAP message ids of EVENT-MODEL.md by code', () => {
    for (const code of ['M7/053', 'M7/021', 'BS/013', 'M3/305', 'M7/120', 'M8/147']) expect(guidanceFor({ code }).key).toBe(code)
    expect(guidanceFor({ code: 'BS/013' }).how).toContain('CO02')
    expect(guidanceFor({ code: 'M7/021' }).how).toMatch(/upstream transfer/)
  })

  it('tells COGI partial failures from stock deficits, and CSRF expiry from other 403s', () => {
    expect(guidanceFor({ code: 'M7/021', text: 'Confirmation posted; backflush of RM1 failed (COGI): Deficit of …' }).key).toBe('COGI')
    expect(guidanceFor({ code: null, category: 'partial', text: 'x' }).key).toBe('COGI')
    expect(guidanceFor({ code: 'HTTP_403', text: 'CSRF token validation failed' })).toMatchObject({ key: 'csrf', replayBeforeFixCanSucceed: true })
    expect(guidanceFor({ code: 'HTTP_403', text: 'Forbidden' })).toMatchObject({ key: 'HTTP_403', replayBeforeFixCanSucceed: false })
  })

  it('reads HTTP statuses, locks, converters and deserialisers from text and class when there is no code', () => {
    expect(guidanceFor({ text: '504 Gateway Timeout: no response' }).key).toBe('HTTP_504')
    expect(guidanceFor({ text: 'Order 1 is already being processed by JDOE' }).key).toBe('lock')
    expect(guidanceFor({ text: 'Converting byte[] to Kafka Connect data failed due to serialization error' }).key).toBe('converter')
    expect(guidanceFor({ errorClass: 'org.apache.kafka.common.errors.SerializationException', text: 'Size of data received by IntegerDeserializer is not 4' }).key).toBe('deserialisation')
  })

  it('falls back by category, and to "unknown" for anything else', () => {
    expect(guidanceFor({ code: 'ZZ/999', category: 'transient', text: 'odd' })).toMatchObject({ key: 'category:transient', matchedBy: 'category', replayBeforeFixCanSucceed: true })
    expect(guidanceFor({ category: 'nonsense' }).key).toBe('category:unknown')
    expect(guidanceFor({}).key).toBe('category:unknown')
  })

  it('every entry says what, who, how and whether a replay can succeed; the primary action follows it', () => {
    for (const [key, g] of Object.entries(GUIDANCE_BY_CODE)) {
      expect([g.title, g.meaning, g.whoFixes, g.how].every((s) => s.length > 5), key).toBe(true)
    }
    expect(primaryAction(guidanceFor({ code: 'HTTP_503' }), false)).toBe('replay')
    expect(primaryAction(guidanceFor({ code: 'M7/053' }), false)).toBe('fix')
    expect(primaryAction(guidanceFor({ code: 'M7/053' }), true)).toBe('replay')
  })
})
