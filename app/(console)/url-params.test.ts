import { describe, expect, it } from 'vitest'
import { urlParamIssues, withoutParams, type RawParams } from '@/server/domain/url-params'
import { PAGE_CHECKS } from './url-params'

const admin = { codes: ['1000', '2000', '2100'], all: true }
const viewer = { codes: ['1000'], all: false }
const traces = (raw: RawParams, plants = admin) => urlParamIssues(raw, { ...PAGE_CHECKS.traces, plants })
const exceptions = (raw: RawParams, plants = admin) => urlParamIssues(raw, { ...PAGE_CHECKS.exceptions, plants })
const header = (raw: RawParams, plants = admin) => urlParamIssues(raw, { ...PAGE_CHECKS.header, plants })
const params = (issues: { param: string }[]) => issues.map((i) => i.param)

describe('console URL parameters, checked as the REST API checks them', () => {
  it('accepts a valid shared link as it is', () => {
    expect(traces({ q: '155031306975', plant: '2100', status: 'posted', flow: 'production_confirmation', range: '24h' })).toEqual([])
    expect(traces({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00Z', status: 'posted,stuck', flow: ['goods_movement', 'ignored-second-value'] })).toEqual([])
    expect(exceptions({ status: 'new,triaged', category: 'permanent', errorCode: 'M7/053', plant: '1000', range: '7d' })).toEqual([])
  })

  it('names an unknown flow, status, date and time range, once each, in URL order', () => {
    const issues = traces({ flow: 'nonsense', status: 'bogus', from: 'notadate', to: '2026-12-02T00:00:00Z', range: 'forever' })
    expect(params(issues)).toEqual(['flow', 'status', 'from', 'range'])
    expect(issues[0]).toMatchObject({ value: 'nonsense', message: expect.stringContaining('unknown flow "nonsense"') })
    // The status message is the REST API's own (csvOf in server/rest/params.ts).
    expect(issues[1]!.message).toContain('must be a comma-separated list of posted')
    expect(issues[2]!.message).toContain('not a date and time')
  })

  it('refuses half a range and a range that ends before it starts, as REST does', () => {
    expect(traces({ from: '2026-12-01T00:00:00Z' })).toMatchObject([{ param: 'from', message: expect.stringContaining('give both from and to') }])
    expect(traces({ from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' })).toMatchObject([{ param: 'to', message: 'must be after from' }])
  })

  it('maps the REST name back to the console’s: an over-long search is reported as q', () => {
    expect(params(traces({ q: 'x'.repeat(5_000) }))).toEqual(['q'])
  })

  it('tells an admin "no such plant", and others the same words whether it exists or not', () => {
    expect(traces({ plant: '9999' })).toEqual([{ param: 'plant', value: '9999', message: 'no such plant' }])
    const exists = header({ plant: '2000' }, viewer)
    const missing = header({ plant: '9999' }, viewer)
    expect(exists[0]!.message).toBe(missing[0]!.message)
    expect(exists[0]!.message).toContain('not one of your plants')
    expect(header({ plant: '1000' }, viewer)).toEqual([])
  })

  it('checks the exceptions filter with the dead-letter list schema', () => {
    expect(params(exceptions({ status: 'bogus', category: 'cosmic', olderThan: 'ages', flow: 'nonsense' }))).toEqual(['status', 'category', 'olderThan', 'flow'])
  })

  it('leaves out what was not applied; from and to go together', () => {
    const issues = traces({ q: 'abc', flow: 'nonsense', from: 'notadate', to: '2026-12-02T00:00:00Z' })
    expect(withoutParams('?q=abc&flow=nonsense&from=notadate&to=2026-12-02T00%3A00%3A00Z', issues)).toBe('?q=abc')
    expect(withoutParams('?flow=nonsense', traces({ flow: 'nonsense' }))).toBe('')
  })
})
