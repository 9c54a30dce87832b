import { describe, expect, it } from 'vitest'
import { storedHeadersSchema } from '../domain/dead-letters'
import { fromStoredHeaders, toStoredHeaders } from './stored-headers'

describe('stored headers', () => {
  it('round-trips binary and repeated headers byte for byte, in order', () => {
    const partition = Buffer.alloc(4)
    partition.writeInt32BE(2)
    const headers = {
      'kafka_dlt-original-partition': partition,
      'kafka_dlt-exception-message': [Buffer.from('first failure'), Buffer.from('latest failure')],
      traceparent: Buffer.from('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01'),
      bad: Buffer.from([0xc3, 0x28]),
    }
    const stored = storedHeadersSchema.parse(JSON.parse(JSON.stringify(toStoredHeaders(headers))))
    expect(stored.map((h) => h.key)).toEqual([
      'kafka_dlt-original-partition',
      'kafka_dlt-exception-message',
      'kafka_dlt-exception-message',
      'traceparent',
      'bad',
    ])
    expect(stored[0]!.text).toBeUndefined() // 00 00 00 02 is valid UTF-8, but jsonb cannot hold NUL
    expect(stored[2]!.text).toBe('latest failure')
    expect(stored[4]!.text).toBeUndefined()
    const back = fromStoredHeaders(stored)
    expect(back['kafka_dlt-original-partition']![0]!.readInt32BE()).toBe(2)
    expect(back['kafka_dlt-exception-message']!.map(String)).toEqual(['first failure', 'latest failure'])
    expect(back.bad![0]).toEqual(Buffer.from([0xc3, 0x28]))
  })

  it('keeps only the headers the filter accepts', () => {
    const stored = toStoredHeaders({ 'x-dlq-reason': Buffer.from('permanent'), correlation_id: Buffer.from('c-1') })
    expect(Object.keys(fromStoredHeaders(stored, (k) => !k.startsWith('x-dlq-')))).toEqual(['correlation_id'])
  })
})
