/**
 * A discrete-event scheduler on the simulated clock (ms since the epoch). Everything the simulator
 * does — a machine changing state, a hop being emitted, a retry firing — is a task due at a
 * simulated time. The driver decides how fast simulated time passes (wall clock in live mode, as
 * fast as allowed in backfill); the tasks never look at the wall clock, which is what makes a seed
 * reproduce the same traffic.
 *
 * Order is (time, insertion): two tasks due at the same millisecond run in the order they were
 * scheduled, so a deterministic caller gets a deterministic run. A task scheduled in the past (the
 * hub receives a record late) runs at the next `runUntil` and is handed its own due time.
 */

type Run = (time: number) => void

interface Task {
  time: number
  seq: number
  run: Run
}

export class Scheduler {
  private readonly heap: Task[] = []
  private seq = 0
  /** The latest time this scheduler has run up to. */
  now: number

  constructor(start: number) {
    this.now = start
  }

  at(time: number, run: Run): void {
    const heap = this.heap
    heap.push({ time, seq: this.seq++, run })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i]!, heap[parent]!)) break
      ;[heap[i], heap[parent]] = [heap[parent]!, heap[i]!]
      i = parent
    }
  }

  get size(): number {
    return this.heap.length
  }

  nextTime(): number | undefined {
    return this.heap[0]?.time
  }

  /** Runs every task due at or before `until` (including ones those tasks schedule); returns how many ran. */
  runUntil(until: number): number {
    let ran = 0
    while (this.heap.length > 0 && this.heap[0]!.time <= until) {
      const task = this.pop()
      if (task.time > this.now) this.now = task.time
      task.run(task.time)
      ran++
    }
    if (until > this.now) this.now = until
    return ran
  }

  private pop(): Task {
    const heap = this.heap
    const top = heap[0]!
    const last = heap.pop()!
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r
        if (m === i) break
        ;[heap[i], heap[m]] = [heap[m]!, heap[i]!]
        i = m
      }
    }
    return top
  }
}

function before(a: Task, b: Task): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq)
}
