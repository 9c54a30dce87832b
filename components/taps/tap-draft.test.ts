import { describe, expect, it } from 'vitest'
import { tapDefinitionSchema } from '@/server/domain/taps'
import { emptyDraft, fromDraft, problemMap, toDraft } from './tap-draft'

/** The editor's draft ⇄ the definition the server checks: nothing lost, nothing invented. */

const stored = tapDefinitionSchema.parse({
  name: 'erp-acks',
  topic: '/^plant3000\\.erp\\.acks$/',
  start: { timestamp: '2026-12-01T06:00:00Z' },
  mapping: {
    correlation_id: '$.MES_CONF_ID',
    event_type: '$.STATUS = "53" ? "erp.posting_succeeded" : "erp.posting_failed"',
    flow: { value: 'production_confirmation' },
    hop: { value: 'erp' },
    plant: '$.PLANT',
    status: '$.STATUS = "53" ? "ok" : "error"',
    error_text: '$.STATXT',
    business: { work_order: '$.AUFNR', erp_document: '$.BELNR' },
    attributes: { idoc: '$.DOCNUM' },
  },
  maxErrorRate: 0.2,
})

describe('the tap draft', () => {
  it('gives back the stored definition unchanged', () => {
    expect(tapDefinitionSchema.parse(fromDraft(toDraft(stored)))).toEqual(stored)
  })

  it('sends an empty required field as empty (so the server names it) and leaves empty optional ones out', () => {
    const draft = emptyDraft()
    const sent = fromDraft({ ...draft, name: 'new-tap', topic: 'mes.conf' }) as { mapping: Record<string, unknown> }
    expect(sent.mapping).toMatchObject({ correlation_id: '', plant: '', hop: { value: 'mes' }, business: {}, attributes: {} })
    expect(sent.mapping).not.toHaveProperty('status')
    const parsed = tapDefinitionSchema.safeParse(sent)
    expect(parsed.success).toBe(false)
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toEqual(['mapping.correlation_id', 'mapping.plant'])
  })

  it('keys problems by the input they belong to', () => {
    expect([...problemMap([{ field: 'mapping.plant.value', message: 'a' }, { field: 'mapping.plant', message: 'b' }, { field: 'topic', message: 'c' }])]).toEqual([
      ['mapping.plant', 'a'],
      ['topic', 'c'],
    ])
  })
})
