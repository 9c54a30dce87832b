// Prints one closing line over both runners, "tests: N passed, N failed, N skipped", so a reader
// (and CI) sees the whole suite's outcome at the end of the log.
import { existsSync, readFileSync } from 'node:fs'

let passed = 0
let failed = 0
let skipped = 0
const [vitestFile, playwrightFile] = process.argv.slice(2)

if (vitestFile && existsSync(vitestFile)) {
  const v = JSON.parse(readFileSync(vitestFile, 'utf8'))
  passed += v.numPassedTests
  failed += v.numFailedTests + (v.numFailedTestSuites ?? 0)
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0)
} else failed += 1

if (playwrightFile && existsSync(playwrightFile)) {
  const p = JSON.parse(readFileSync(playwrightFile, 'utf8'))
  passed += (p.stats?.expected ?? 0) + (p.stats?.flaky ?? 0)
  failed += p.stats?.unexpected ?? 0
  skipped += p.stats?.skipped ?? 0
  for (const error of p.errors ?? []) failed += error ? 1 : 0
} else failed += 1

console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`)
