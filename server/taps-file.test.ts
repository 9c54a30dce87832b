import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config'
import { loadTapsFile, TapsFileError } from './taps-file'

const dir = mkdtempSync(join(tmpdir(), 'lt-taps-file-'))
function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

const YAML = `
taps:
  - name: mes-confirmations
    topic: plant3000.mes.confirmations
    start: latest
    mapping:
      correlation_id: $.MES_CONF_ID
      event_type: { value: production.operation_confirmed }
      flow: { value: production_confirmation }
      hop: { value: mes }
      plant: { value: "3000" }
      business:
        work_order: $.order.workOrder
  - name: erp-acks
    topic: /^plant3000\\.erp\\.acks(\\..+)?$/
    mapping:
      correlation_id: $.REF
      event_type: 'STATUS = "53" ? "erp.posting_succeeded" : "erp.posting_failed"'
      flow: { value: production_confirmation }
      hop: { value: erp }
      plant: { value: "3000" }
      status: 'STATUS = "53" ? "ok" : "error"'
      error_text: $.MESSAGE
`

function problemsOf(path: string): string[] {
  try {
    loadTapsFile(path)
  } catch (error) {
    if (error instanceof TapsFileError) return error.problems
    throw error
  }
  return []
}

describe('loadTapsFile', () => {
  it('reads YAML with defaults applied', () => {
    const taps = loadTapsFile(file('taps.yaml', YAML))
    expect(taps.map((t) => [t.name, t.topic, t.start, t.format, t.maxErrorRate])).toEqual([
      ['mes-confirmations', 'plant3000.mes.confirmations', 'latest', 'json', 0.5],
      ['erp-acks', '/^plant3000\\.erp\\.acks(\\..+)?$/', 'earliest', 'json', 0.5],
    ])
    expect(taps[0]!.mapping.business).toEqual({ work_order: '$.order.workOrder' })
  })

  it('reads JSON, a bare list', () => {
    const taps = loadTapsFile(file('taps.json', JSON.stringify([{ name: 'a', topic: 't', mapping: { correlation_id: 'id', event_type: 'type', flow: 'flow', hop: 'hop', plant: 'plant' } }])))
    expect(taps.map((t) => t.name)).toEqual(['a'])
  })

  it('names the tap and the field of every problem', () => {
    const bad = YAML.replace('correlation_id: $.REF', 'correlation_id: $.REF[').replace('start: latest', 'start: yesterday').replace('hop: { value: erp }', 'hop: { value: erp }\n      colour: red')
    const problems = problemsOf(file('bad.yaml', bad))
    expect(problems).toEqual([
      expect.stringMatching(/^tap "mes-confirmations" start: /),
      expect.stringMatching(/^tap "erp-acks" mapping: Unrecognized key: "colour"/),
    ])
    const compile = problemsOf(file('compile.yaml', YAML.replace('correlation_id: $.REF', 'correlation_id: $.REF[')))
    expect(compile).toEqual([expect.stringMatching(/^tap "erp-acks" mapping\.correlation_id: Expected "\]" before end of expression/)])
  })

  it('refuses a name declared twice, a file that is not a list, unreadable or not YAML', () => {
    const tap = { name: 'a', topic: 't', mapping: { correlation_id: 'id', event_type: 'type', flow: 'flow', hop: 'hop', plant: 'plant' } }
    expect(problemsOf(file('twice.json', JSON.stringify({ taps: [tap, tap] })))).toEqual(['tap "a" name: declared twice in the file'])
    expect(problemsOf(file('object.yaml', 'name: a\n'))[0]).toMatch(/must hold a list of taps/)
    expect(problemsOf(join(dir, 'missing.yaml'))[0]).toMatch(/^cannot be read: ENOENT/)
    expect(problemsOf(file('broken.yaml', 'taps: [a, {'))[0]).toMatch(/^is not valid YAML or JSON/)
  })
})

describe('TAPS_FILE', () => {
  it('is loaded with the configuration; a bad one is a configuration error naming the tap and field', () => {
    expect(loadConfig({}).taps).toEqual([])
    expect(loadConfig({ TAPS_FILE: file('ok.yaml', YAML) }).taps.map((t) => t.name)).toEqual(['mes-confirmations', 'erp-acks'])
    const path = file('bad-config.yaml', YAML.replace('plant: { value: "3000" }', 'plant: $.plant.'))
    expect(() => loadConfig({ TAPS_FILE: path })).toThrow(ConfigError)
    expect(() => loadConfig({ TAPS_FILE: path })).toThrow(`TAPS_FILE (${path}): tap "mes-confirmations" mapping.plant:`)
  })

  it('stops `npm start` with exit 1 and the message before anything starts', () => {
    const path = file('start.yaml', YAML.replace('correlation_id: $.MES_CONF_ID', 'correlation_id: $.MES_CONF_ID)'))
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], {
      env: { ...process.env, TAPS_FILE: path, DATA_DIR: mkdtempSync(join(tmpdir(), 'lt-taps-start-')), PORT: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(`linetrace: Invalid configuration:\n  - TAPS_FILE (${path}): tap "mes-confirmations" mapping.correlation_id:`)
  })
})
