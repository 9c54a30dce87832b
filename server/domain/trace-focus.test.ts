import { describe, expect, it } from 'vitest'
import { failureReason, focusHopIndex } from './trace-focus'

const hop = (status: string, extra: Partial<{ event_type: string; error_category: string; error_code: string; error_text: string }> = {}) => ({
  status,
  event_type: extra.event_type ?? 'x',
  error_category: extra.error_category ?? null,
  error_code: extra.error_code ?? null,
  error_text: extra.error_text ?? null,
})

describe('the hop a trace opens on', () => {
  const deadLettered = [hop('ok'), hop('ok'), hop('error'), hop('retrying'), hop('error'), hop('dead_lettered', { error_code: 'M7/053', error_text: 'Posting period 2026/12 is not open' })]

  it('opens a dead-lettered trace on the dead-lettered hop, not hop 1 or an earlier retried failure', () => {
    expect(focusHopIndex(deadLettered, 'dead_lettered')).toBe(5)
  })

  it('opens a partial trace on its failed part, even when hops follow it', () => {
    expect(focusHopIndex([hop('ok'), hop('partial'), hop('ok')], 'partial')).toBe(1)
  })

  it('opens a stuck trace without a failure on its last hop', () => {
    expect(focusHopIndex([hop('ok'), hop('ok'), hop('ok')], 'stuck')).toBe(2)
  })

  it('opens healthy, running or unknown traces on the source event', () => {
    expect(focusHopIndex(deadLettered, 'posted')).toBe(0)
    expect(focusHopIndex(deadLettered, 'in_progress')).toBe(0)
    expect(focusHopIndex(deadLettered, null)).toBe(0)
    expect(focusHopIndex([], 'stuck')).toBe(0)
  })

  it('states the failing hop’s error as the reason, and what stuck means when there is none', () => {
    expect(failureReason(deadLettered[5], 'dead_lettered')).toBe('M7/053: Posting period 2026/12 is not open')
    expect(failureReason(hop('ok', { event_type: 'hub.received' }), 'stuck')).toBe('No posting within the flow SLA; the last hop seen is hub.received (ok).')
    expect(failureReason(deadLettered[5], 'posted')).toBeNull()
    expect(failureReason(undefined, 'stuck')).toBeNull()
  })
})
