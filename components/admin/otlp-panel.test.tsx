import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { parseOtlpMappingConfig } from '@/server/domain/otlp-mapping'
import { draftIssues, emptyRule, fromDraft, toDraft } from './otlp-mapping-draft'
import { OtlpServicesTable } from './otlp-panel'

const endpoint = { consolePath: '/api/otlp/v1/traces', consoleUrl: 'https://linetrace.example.com/api/otlp/v1/traces', port: 4318 }
const view = (services: Parameters<typeof OtlpServicesTable>[0]['view']['services']) => ({
  services,
  hourFrom: new Date('2026-12-05T06:00:00Z'),
  dayFrom: new Date('2026-12-04T07:00:00Z'),
  endpoint,
})

describe('the OpenTelemetry admin panel', () => {
  it('with no spans, says where to point an exporter and that the token needs the ingest scope', () => {
    const html = renderToStaticMarkup(<OtlpServicesTable view={view([])} />)
    expect(html).toContain('No OpenTelemetry spans in the last 24 hours')
    expect(html).toContain('https://linetrace.example.com/api/otlp/v1/traces')
    expect(html).toContain('http://&lt;worker host&gt;:4318/v1/traces')
    expect(html).toContain('<strong>ingest</strong> scope')
    expect(html).toContain('are not counted here')
  })

  it('lists a service with its rate, unmapped spans by reason and the last error as text', () => {
    const html = renderToStaticMarkup(
      <OtlpServicesTable
        view={view([
          {
            service: 'orders-hub',
            hops1h: 120,
            hops24h: 2400,
            errorHops24h: 3,
            lastHopAt: new Date(),
            unmapped1h: 1,
            unmapped24h: 5,
            unmappedByReason: [{ reason: 'no_plant', count24h: 5 }],
            lastError: { reason: 'no_plant', message: 'span "<b>send</b>" names no plant', at: new Date(), deadLetterId: 'dl-1' },
          },
        ])}
      />,
    )
    expect(html).toContain('data-testid="otlp-service-orders-hub"')
    expect(html).toContain('>2.00<') // 120 hops in the hour: 2 per minute
    expect(html).toContain('1 / 5')
    expect(html).toContain('<code>no_plant</code> × 5')
    // The message is text, never markup.
    expect(html).toContain('span &quot;&lt;b&gt;send&lt;/b&gt;&quot; names no plant')
    expect(html).toContain('href="/exceptions/dl-1"')
  })
})

describe('the mapping draft', () => {
  it('round-trips the stored mapping through the editor unchanged', () => {
    const config = parseOtlpMappingConfig({ defaultPlant: '1000', services: [{ service: 'camel-*', hop: 'hub', plant: '2000' }] })
    expect(parseOtlpMappingConfig(fromDraft(toDraft(config)))).toEqual(config)
  })

  it('names each wrong field with the reason, and a rule that repeats an earlier pattern', () => {
    const draft = toDraft(parseOtlpMappingConfig({}))
    draft.services = [{ ...emptyRule(), service: 'mes-*', plant: 'not a plant!' }, { ...emptyRule(), service: 'MES-*' }, emptyRule()]
    draft.businessKeys.lot = `lot, ${'x'.repeat(300)}`
    const issues = draftIssues(draft)
    expect(issues.get('services.0.plant')).toBe('a plant code is 1–16 letters, digits, - or _ (e.g. 2000)')
    expect(issues.get('services.1.service')).toBe("repeats rule 1's pattern and would never apply; remove one")
    expect(issues.get('services.2.service')).toBe('a pattern is needed, e.g. camel-*')
    expect(issues.get('attributes.businessKeys.lot')).toBe('an attribute name is at most 256 characters')
    expect(issues.size).toBe(4)
  })
})
