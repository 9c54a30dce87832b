import { renderToStaticMarkup } from 'react-dom/server'
import { describe, expect, it } from 'vitest'
import { TapPreviewTable } from './tap-preview'

/** The preview as the editor shows it: records and events as text, failures and missing fields marked. */

const record = (offset: string, value: string | null) => ({
  topic: 'plant3000.erp.acks',
  partition: 0,
  offset,
  timestamp: new Date('2026-12-05T08:00:00Z'),
  key: '<i>CONF-1</i>',
  headers: { source: '<script>alert(1)</script>' },
  value,
  valueTruncated: false,
})

describe('the tap preview table', () => {
  it('shows record and hop event side by side as text, never as HTML, and marks what could not be mapped', () => {
    const html = renderToStaticMarkup(
      <TapPreviewTable
        preview={{
          topics: ['plant3000.erp.acks'],
          problems: [],
          rows: [
            { record: record('7', '{"STATXT":"<img src=x onerror=alert(1)>"}'), mapping: { ok: true, event: { correlation_id: 'CONF-1', error: { text: '<img src=x onerror=alert(1)>' } } }, missing: [] },
            { record: record('8', '{"AUFNR":"WO-1"}'), mapping: { ok: false, kind: 'missing', field: 'mapping.correlation_id', expression: '$.MES_CONF_ID', reason: 'correlation_id: $.MES_CONF_ID gave nothing for this record' }, missing: ['correlation_id'] },
          ],
        }}
      />,
    )
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<img')
    expect(html).not.toContain('<i>CONF-1')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(html).toContain('1 mapped, 1 not mapped. Nothing was committed.')
    expect(html).toContain('data-testid="tap-preview-missing"')
    expect(html).toContain('correlation_id: $.MES_CONF_ID gave nothing for this record')
  })

  it('says the topic is empty and what to do', () => {
    const html = renderToStaticMarkup(<TapPreviewTable preview={{ topics: ['mes.conf'], problems: [], rows: [] }} />)
    expect(html).toContain('mes.conf holds no records yet')
    expect(html).toContain('preview again')
  })
})
