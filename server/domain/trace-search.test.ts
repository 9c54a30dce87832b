import { describe, expect, it } from 'vitest'
import { describeSearch, parseSearch } from './trace-search'

describe('parseSearch', () => {
  it.each([
    ['155000072353', ['work_order']],
    ['0000074270', ['lot', 'shipment', 'erp_document']],
    ['4900001234', ['erp_document', 'lot', 'shipment']],
    ['FG10023', ['material']],
    ['4bf92f3577b34da6a3ce929d0e0e4736', ['trace_id']],
    ['pc-1000-0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', ['correlation_id']],
  ])('detects %s', (value, types) => {
    expect(parseSearch(value)).toEqual({ types, value, explicit: false })
  })

  it('takes key:value (and aliases) over detection', () => {
    expect(parseSearch(' material:155000072353 ')).toEqual({ types: ['material'], value: '155000072353', explicit: true })
    expect(parseSearch('wo:155000072353')?.types).toEqual(['work_order'])
    expect(parseSearch('doc:4900001234')?.types).toEqual(['erp_document'])
  })

  it('reads a trace id in capitals as the lowercase id W3C trace context stores', () => {
    expect(parseSearch('4BF92F3577B34DA6A3CE929D0E0E4736')).toEqual({ types: ['trace_id'], value: '4bf92f3577b34da6a3ce929d0e0e4736', explicit: false })
    expect(parseSearch('trace:4BF92F3577B34DA6A3CE929D0E0E4736')).toEqual({ types: ['trace_id'], value: '4bf92f3577b34da6a3ce929d0e0e4736', explicit: true })
    expect(parseSearch('wo:AB12')?.value).toBe('AB12')
  })

  it('reads an unknown prefix as part of the value', () => {
    expect(parseSearch('http://x')).toMatchObject({ types: ['correlation_id'], value: 'http://x' })
  })

  it('is null for an empty box and describes what it searches', () => {
    expect(parseSearch('  ')).toBeNull()
    expect(describeSearch(parseSearch('0000074270')!)).toBe('lot or shipment or ERP document 0000074270')
  })
})
