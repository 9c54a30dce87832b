import { rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { ClickHouse } from './client'
import { gatherColumns, IDENTIFIER, nativeBlock, type DeclaredColumn } from './native'

/**
 * How an insert's rows reach the engine (chInsert in exec.ts decides when):
 * - to a server, as JSONCompactEachRow in the HTTP body (`compactRows`): the server parses on its
 *   own cores;
 * - on chDB, as one Native block (native.ts) in a file that `INSERT … SELECT * FROM file(…, Native)`
 *   reads: chDB's byte insert takes only text formats, and parsing text was the largest single
 *   cost of an insert into hop_events (~11 of ~28 µs of CPU per row with all its views).
 */

/**
 * The rows as JSONCompactEachRow under the union of their keys: one JSON array per row, values by
 * position (the engine parses it in about half the CPU time of JSONEachRow). A key missing from a
 * row (or `undefined`) is sent as null, which `input_format_null_as_default` turns into the column
 * DEFAULT, expressions included. (Nullable columns keep null, as their DEFAULT is NULL too.)
 * A column that is null in every row is left out of the insert: the engine gives it the same
 * DEFAULT, and it neither serialises nor parses a field per row (a hop event leaves about a third
 * of its columns empty). Every key is still checked, and one column is always sent.
 */
export function compactRows(rows: readonly object[]): { columns: string[]; body: Buffer } {
  const found = gatherColumns(rows, (k) => {
    if (!IDENTIFIER.test(k)) throw new Error(`Invalid column name ${JSON.stringify(k)}`)
  })
  const used = found.filter((c) => c.nonNull > 0)
  const columns = used.length > 0 ? used : found.slice(0, 1)
  const values: unknown[] = new Array(columns.length)
  let text = ''
  for (let j = 0; j < rows.length; j++) {
    for (let i = 0; i < columns.length; i++) values[i] = columns[i]!.values[j] ?? null
    text += `${JSON.stringify(values)}\n`
  }
  return { columns: columns.map((c) => c.name), body: Buffer.from(text) }
}

/** Declared columns per handle and table, read once: the schema changes only by migrations, which run before any insert. */
const declaredByHandle = new WeakMap<ClickHouse, Map<string, Promise<ReadonlyMap<string, DeclaredColumn>>>>()

/**
 * The columns an insert may name (not MATERIALIZED or ALIAS), in table order. `read` runs the
 * system.columns query (through the exec seam, so it takes its turn); a failed read is not kept.
 */
export function declaredColumns(
  ch: ClickHouse,
  table: string,
  read: () => Promise<{ name: string; type: string; default_kind: string; default_expression: string }[]>,
): Promise<ReadonlyMap<string, DeclaredColumn>> {
  let tables = declaredByHandle.get(ch)
  if (!tables) declaredByHandle.set(ch, (tables = new Map()))
  let known = tables.get(table)
  if (!known) {
    known = read().then(
      (rows) => new Map(rows.filter((r) => r.default_kind !== 'MATERIALIZED' && r.default_kind !== 'ALIAS').map((r) => [r.name, { type: r.type, defaultExpression: r.default_expression }])),
    )
    tables.set(table, known)
    known.catch(() => tables.delete(table))
  }
  return known
}

let spooled = 0

/**
 * Writes `rows` as a Native block to a file under `spoolDir` and returns the statement that inserts
 * it into `qualifiedTable` on chDB; the caller runs it and then removes the file.
 * `use_structure_from_insertion_table_in_table_functions = 0` makes the file's own column types
 * count (else the engine would evaluate the table's DEFAULT expressions while reading the file,
 * where the columns they refer to do not exist); `insert_null_as_default` then gives a null the
 * column's DEFAULT.
 */
export function spoolNative(
  spoolDir: string,
  qualifiedTable: string,
  rows: readonly object[],
  declared: ReadonlyMap<string, DeclaredColumn>,
  settingsClause: string,
): { sql: string; file: string } {
  const { columns, body } = nativeBlock(rows, declared, qualifiedTable)
  const file = path.join(spoolDir, `${process.pid}-${++spooled}.native`)
  writeFileSync(file, body)
  const literal = `'${file.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return {
    file,
    sql:
      `INSERT INTO ${qualifiedTable} (${columns.join(', ')}) ` +
      `SETTINGS ${settingsClause}, use_structure_from_insertion_table_in_table_functions = 0, insert_null_as_default = 1 ` +
      `SELECT * FROM file(${literal}, Native)`,
  }
}

/** Files an interrupted process left in the spool go: nothing reads them again (the batch's records were not committed). */
export function clearSpool(spoolDir: string): void {
  rmSync(spoolDir, { recursive: true, force: true })
}
