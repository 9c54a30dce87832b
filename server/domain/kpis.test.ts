import { describe, expect, it } from 'vitest'
import { KPI_MIN_SAMPLES, kpiValue, plantHealth, type KpiTarget } from './kpis'

/**
 * Health needs evidence: a KPI measured on fewer samples than its minimum keeps its value but gets
 * no verdict ("too few transactions (n)"), and the plant status ignores it; reasons of judged KPIs
 * keep their words and numbers.
 */

const min98: KpiTarget = { value: 98, direction: 'min', source: 'default' }
const max02: KpiTarget = { value: 0.2, direction: 'max', source: 'default' }
const max0: KpiTarget = { value: 0, direction: 'max', source: 'default' }

describe('minimum samples per KPI', () => {
  it('below the minimum: status few, the value kept, the reason with the count', () => {
    const n = KPI_MIN_SAMPLES.first_pass_success! - 1
    const k = kpiValue('first_pass_success', 50, min98, n)
    expect(k).toMatchObject({ value: 50, status: 'few', reason: `too few transactions (${n})` })
  })

  it('at the minimum the KPI is judged as before', () => {
    const n = KPI_MIN_SAMPLES.first_pass_success!
    expect(kpiValue('first_pass_success', 96, min98, n)).toMatchObject({ status: 'miss' })
    expect(kpiValue('first_pass_success', 99, min98, n).reason).toBeUndefined()
  })

  it('counts are evidence by themselves: one stuck transaction is judged', () => {
    expect(KPI_MIN_SAMPLES.stuck_transactions).toBeUndefined()
    expect(kpiValue('stuck_transactions', 1, max0, 1)).toMatchObject({ status: 'miss' })
  })
})

describe('plant health ignores KPIs with too few samples', () => {
  it('two transactions, one failed: not degraded', () => {
    const kpis = [kpiValue('first_pass_success', 50, min98, 2), kpiValue('technical_failure_rate', 50, max02, 2), kpiValue('stuck_transactions', 0, max0, 2)]
    expect(plantHealth(kpis, 0)).toEqual({ health: 'green', reasons: [] })
  })

  it('only too-few KPIs: no data rather than a verdict', () => {
    expect(plantHealth([kpiValue('first_pass_success', 50, min98, 3)], 0).health).toBe('unknown')
  })

  it('with enough samples the reason keeps its words and numbers', () => {
    const kpis = [kpiValue('first_pass_success', 96, min98, 400), kpiValue('technical_failure_rate', 5, max02, 3)]
    const h = plantHealth(kpis, 0)
    expect(h.health).toBe('amber')
    expect(h.reasons).toEqual([{ kpi: 'first_pass_success', severity: 'amber', text: 'First-pass posting success 96 % vs ≥ 98 % target' }])
  })
})
