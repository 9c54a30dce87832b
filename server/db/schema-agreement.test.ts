import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { Db } from './client'
import { freshDb, TEST_ENGINES } from './testing'

/**
 * schema.prisma and the hand-written migrations must describe the same database. This reads the
 * schema (only the subset of Prisma's language it uses) and compares it with the catalog of a
 * freshly migrated database, with Prisma's naming conventions for keys, indexes and constraints.
 */

interface Field {
  name: string
  type: string
  optional: boolean
  /** A scalar list (`String[]`): a Postgres array column. */
  list: boolean
  attrs: string
}
interface Model {
  table: string
  fields: Field[]
  blockAttrs: string[]
}

function parseSchema(text: string) {
  const models = new Map<string, Model>()
  const enums = new Map<string, string[]>()
  let current: { kind: 'model' | 'enum'; name: string } | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim()
    if (!line) continue
    const open = /^(model|enum)\s+(\w+)\s*\{$/.exec(line)
    if (open) {
      current = { kind: open[1] as 'model' | 'enum', name: open[2]! }
      if (current.kind === 'model') models.set(current.name, { table: current.name, fields: [], blockAttrs: [] })
      else enums.set(current.name, [])
    } else if (line === '}') {
      current = undefined
    } else if (current?.kind === 'enum') {
      enums.get(current.name)!.push(line.split(/\s+/)[0]!)
    } else if (current?.kind === 'model') {
      const model = models.get(current.name)!
      const map = /^@@map\("([^"]+)"\)$/.exec(line)
      if (map) model.table = map[1]!
      else if (line.startsWith('@@')) model.blockAttrs.push(line)
      else {
        const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line)
        if (!m) throw new Error(`cannot read field line: ${line}`)
        model.fields.push({ name: m[1]!, type: m[2]!, optional: !!m[4], list: !!m[3], attrs: m[5] ?? '' })
      }
    }
  }
  return { models, enums }
}

const schema = parseSchema(readFileSync(path.join(process.cwd(), 'prisma', 'schema.prisma'), 'utf8'))
const SCALAR_TYPES: Record<string, string> = {
  String: 'text', Boolean: 'boolean', Int: 'integer', BigInt: 'bigint', Float: 'double precision',
  DateTime: 'timestamp(3) without time zone', Json: 'jsonb', Bytes: 'bytea',
}
const ACTIONS: Record<string, string> = { Cascade: 'c', SetNull: 'n', Restrict: 'r', NoAction: 'a', SetDefault: 'd' }

const isScalar = (f: Field) => !schema.models.has(f.type)
const columnOf = (f: Field) => /@map\("([^"]+)"\)/.exec(f.attrs)?.[1] ?? f.name
const listArg = (attr: string, arg = '') =>
  (new RegExp(`${arg}\\[([^\\]]*)\\]`).exec(attr)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean)

function columnsOf(model: Model, fieldNames: string[]): string[] {
  return fieldNames.map((n) => columnOf(model.fields.find((f) => f.name === n) ?? fail(`${model.table}.${n}`)))
}
function fail(what: string): never {
  throw new Error(`schema.prisma refers to an unknown field ${what}`)
}

function expectedColumns(model: Model) {
  return model.fields.filter(isScalar).map((f) => ({
    column: columnOf(f),
    type: (SCALAR_TYPES[f.type] ?? `"${f.type}"`) + (f.list ? '[]' : ''),
    nullable: f.optional,
    hasDefault: /@default\((?!uuid\(\)|cuid\(\))/.test(f.attrs),
  }))
}

function expectedIndexes(model: Model) {
  const t = model.table
  const indexes = [] as { name: string; unique: boolean; primary: boolean; columns: string[] }[]
  const add = (suffix: string, columns: string[], unique: boolean, primary = false) =>
    indexes.push({ name: `${t}_${primary ? '' : `${columns.join('_')}_`}${suffix}`, unique, primary, columns })
  for (const f of model.fields.filter(isScalar)) {
    if (/@id\b/.test(f.attrs)) add('pkey', [columnOf(f)], true, true)
    if (/@unique\b/.test(f.attrs)) add('key', [columnOf(f)], true)
  }
  for (const attr of model.blockAttrs) {
    const columns = columnsOf(model, listArg(attr))
    if (attr.startsWith('@@id(')) add('pkey', columns, true, true)
    else if (attr.startsWith('@@unique(')) add('key', columns, true)
    else if (attr.startsWith('@@index(')) add('idx', columns, false)
  }
  return indexes
}

function expectedForeignKeys(model: Model) {
  return model.fields
    .filter((f) => !isScalar(f) && /fields:/.test(f.attrs))
    .map((f) => {
      const columns = columnsOf(model, listArg(f.attrs, 'fields:\\s*'))
      const target = schema.models.get(f.type)!
      const onDelete = /onDelete:\s*(\w+)/.exec(f.attrs)?.[1] ?? (f.optional ? 'SetNull' : 'Restrict')
      const onUpdate = /onUpdate:\s*(\w+)/.exec(f.attrs)?.[1] ?? 'Cascade'
      return {
        name: `${model.table}_${columns.join('_')}_fkey`,
        columns,
        refTable: target.table,
        refColumns: columnsOf(target, listArg(f.attrs, 'references:\\s*')),
        onDelete: ACTIONS[onDelete],
        onUpdate: ACTIONS[onUpdate],
      }
    })
}

const byName = <T extends { name: string }>(list: T[]) => [...list].sort((a, b) => a.name.localeCompare(b.name))

/**
 * Partial indexes schema.prisma cannot express, created by hand in a migration: name → columns.
 * Listed here so they are checked too, and so no other index can slip in unnoticed.
 */
const SQL_ONLY_INDEXES: Record<string, { name: string; unique: boolean; primary: boolean; columns: string[] }[]> = {
  replay_items: [{ name: 'replay_items_open_dead_letter_key', unique: true, primary: false, columns: ['dead_letter_id'] }],
}

describe.each(TEST_ENGINES)('schema.prisma agrees with the migrated database on %s', (engine) => {
  let db: Db
  beforeAll(async () => {
    db = await freshDb(engine)
  })
  afterAll(async () => {
    await db?.close()
  })
  const query = <T>(sql: string, ...params: unknown[]) => db.prisma.$queryRawUnsafe<T[]>(sql, ...params)

  test('the schema parses into the models and enums it declares', () => {
    expect(schema.models.size).toBeGreaterThanOrEqual(12)
    expect(schema.enums.get('Role')).toEqual(['viewer', 'operator', 'admin'])
  })

  test('the same tables and enums', async () => {
    const tables = await query<{ name: string }>(
      `SELECT table_name::text AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name <> '_prisma_migrations' ORDER BY 1`,
    )
    expect(tables.map((r) => r.name)).toEqual([...schema.models.values()].map((m) => m.table).sort())
    const labels = await query<{ name: string; labels: string[] }>(
      `SELECT t.typname::text AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1`,
    )
    expect(Object.fromEntries(labels.map((r) => [r.name, r.labels]))).toEqual(Object.fromEntries(schema.enums))
  })

  test.each([...schema.models.values()].map((m) => [m.table, m] as const))('%s: columns, keys, indexes, foreign keys', async (table, model) => {
    const columns = await query<{ column: string; type: string; nullable: boolean; hasDefault: boolean }>(
      `SELECT a.attname::text AS "column", format_type(a.atttypid, a.atttypmod) AS type,
              NOT a.attnotnull AS nullable, a.atthasdef AS "hasDefault"
         FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attnum`,
      `"${table}"`,
    )
    expect(columns).toEqual(expectedColumns(model))

    const indexes = await query<{ name: string; unique: boolean; primary: boolean; columns: string[] }>(
      `SELECT i.relname::text AS name, ix.indisunique AS "unique", ix.indisprimary AS "primary",
              array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num ORDER BY k.ord) AS columns
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = $1::regclass`,
      `"${table}"`,
    )
    expect(byName(indexes)).toEqual(byName([...expectedIndexes(model), ...(SQL_ONLY_INDEXES[table] ?? [])]))

    const foreignKeys = await query<Record<string, unknown>>(
      `SELECT c.conname::text AS name, r.relname::text AS "refTable",
              c.confdeltype::text AS "onDelete", c.confupdtype::text AS "onUpdate",
              array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
              array(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(num, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.num ORDER BY k.ord) AS "refColumns"
         FROM pg_constraint c JOIN pg_class r ON r.oid = c.confrelid
        WHERE c.contype = 'f' AND c.conrelid = $1::regclass`,
      `"${table}"`,
    )
    expect(byName(foreignKeys as { name: string }[])).toEqual(byName(expectedForeignKeys(model)))
  })
})
