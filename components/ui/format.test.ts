import { describe, expect, it } from 'vitest'
import { formatPlantTime } from './format'

describe('formatPlantTime', () => {
  it('shows the plant-local wall time with its zone', () => {
    const at = new Date('2026-11-30T10:05:00Z')
    expect(formatPlantTime(at, 'Europe/Berlin')).toBe('30 Nov 2026, 11:05 CET')
    expect(formatPlantTime(at, 'UTC')).toBe('30 Nov 2026, 10:05 UTC')
  })
})
