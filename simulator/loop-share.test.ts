import type { EventLoopUtilization } from 'node:perf_hooks'
import { describe, expect, it } from 'vitest'
import { LoopShare } from './loop-share'

/** A thread whose busy and idle milliseconds so far the test sets. */
function thread() {
  const now = { active: 0, idle: 0, utilization: 0 }
  const utilization = (): EventLoopUtilization => ({ ...now, utilization: now.active / Math.max(1, now.active + now.idle) })
  return { now, utilization }
}

describe('LoopShare', () => {
  it('pauses a history that kept the thread busy until its share is what it took', () => {
    const t = thread()
    const share = new LoopShare(0.6, t.utilization)
    t.now.active += 300
    t.now.idle += 0
    // 300 ms busy over 300 + 200 ms is 60 %.
    expect(share.pauseMs()).toBe(200)
    t.now.active += 120
    t.now.idle += 80
    expect(share.pauseMs()).toBe(0)
  })

  it('measures from the last ask only, and never pauses more than a second', () => {
    const t = thread()
    const share = new LoopShare(0.5, t.utilization)
    t.now.active += 10_000
    expect(share.pauseMs()).toBe(1_000)
    // A quiet stretch after a busy one: nothing owed from before.
    t.now.active += 100
    t.now.idle += 400
    expect(share.pauseMs()).toBe(0)
  })

  it('reads the real event loop by default', async () => {
    const share = new LoopShare(0.1)
    const until = performance.now() + 60
    while (performance.now() < until);
    await new Promise((r) => setTimeout(r, 0))
    expect(share.pauseMs()).toBeGreaterThan(300)
  })
})
