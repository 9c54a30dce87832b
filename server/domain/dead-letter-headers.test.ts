import { describe, expect, it } from 'vitest'
import { headerDisplay, sourceSummary } from './dead-letters'

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'))

describe('headerDisplay: binary headers for people', () => {
  it("Spring's big-endian partition, offset and timestamp as numbers (the time also as ISO 8601)", () => {
    // 00 00 00 07 is valid UTF-8 (control characters): it must still read as the number 7.
    expect(headerDisplay('kafka_dlt-original-partition', hex('00000007'), '\u0000\u0000\u0000\u0007')).toEqual({ shown: '7', as: 'int32' })
    expect(headerDisplay('kafka_dlt-original-offset', hex('00 00 01 00 00 00 00 05'), null)).toEqual({ shown: '1099511627781', as: 'int64' })
    expect(headerDisplay('kafka_dlt-original-timestamp', hex('00 00 01 9A D9 C8 B2 00'), null)).toEqual({ shown: '1764590400000 (2025-12-01T12:00:00.000Z)', as: 'time' })
  })

  it('UTF-8 text as text; control characters, invalid UTF-8 and wrong-sized numbers stay binary', () => {
    expect(headerDisplay('kafka_dlt-exception-message', new Uint8Array(Buffer.from('Material 100-200 ✓')), 'Material 100-200 ✓')).toEqual({ shown: 'Material 100-200 ✓', as: 'text' })
    expect(headerDisplay('x-binary', hex('00ff1080'), null)).toBeNull()
    expect(headerDisplay('x-ctl', hex('00010203'), '\u0000\u0001\u0002\u0003')).toBeNull()
    expect(headerDisplay('kafka_dlt-original-offset', hex('0102'), '\u0001\u0002')).toBeNull()
  })
})

describe('sourceSummary', () => {
  const none = { connector: null, task: null, stage: null, consumerGroup: null, processorNode: null }
  it('one compact line per convention, null when nothing is known', () => {
    expect(sourceSummary({ ...none, connector: 'erp-sink', task: '0', stage: 'VALUE_CONVERTER', consumerGroup: 'connect-erp-sink' })).toBe('connector erp-sink · task 0 · VALUE_CONVERTER')
    expect(sourceSummary({ ...none, consumerGroup: 'mes-posting' })).toBe('group mes-posting')
    expect(sourceSummary({ ...none, processorNode: 'KSTREAM-MAP-0000000002' })).toBe('node KSTREAM-MAP-0000000002')
    expect(sourceSummary(none)).toBeNull()
  })
})
