/**
 * `npm run bench [-- suite…]`: runs benchmark suites, writes each result as JSON under
 * bench/results/, and prints a short table. Speed is measured here, never asserted in tests:
 * every suite compares against baselines measured in the same run on the same (noisy) machine.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SUITES, type BenchResult } from './suites'

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const names = requested.length ? requested : Object.keys(SUITES)
const unknown = names.filter((n) => !(n in SUITES))
if (unknown.length) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')}; available: ${Object.keys(SUITES).join(', ')}\n`)
  process.exit(1)
}

mkdirSync('bench/results', { recursive: true })
for (const name of names) {
  process.stdout.write(`\n== ${name} ==\n`)
  const started = new Date()
  const result: BenchResult = await SUITES[name]!()
  const file = join('bench/results', `${name}-${started.toISOString().replace(/[:.]/g, '-')}.json`)
  const record = { suite: name, started: started.toISOString(), machine: machineInfo(), ...result }
  writeFileSync(file, JSON.stringify(record, null, 2))
  writeFileSync(join('bench/results', `${name}-latest.json`), JSON.stringify(record, null, 2))
  printTable(result)
  process.stdout.write(`results: ${file}\n`)
}

function machineInfo() {
  return { node: process.version, cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? null, platform: process.platform }
}

function printTable(result: BenchResult) {
  const rows = result.table
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)))
  for (const row of rows) process.stdout.write(row.map((c, i) => String(c).padEnd(widths[i]!)).join('  ') + '\n')
  for (const note of result.notes ?? []) process.stdout.write(`note: ${note}\n`)
}
