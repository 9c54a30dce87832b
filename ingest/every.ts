import { metrics } from '../server/metrics'

/**
 * Runs `fn` every `ms` (the pause counts from the end of a run, so runs never overlap); the first
 * run after `firstMs`. `fn` may return another pause for the next run (0 while it is catching up, a
 * longer one while there is nothing to do). `wake()` runs it at once instead of at the end of the
 * pause, or right after the run in progress: a loop that idles long is woken by what gives it work.
 * `stop()` waits for a run in progress. Each run's time is recorded under `job`
 * (`linetrace_periodic_job_seconds`): what an idle worker spends, per job (bench suite `idle`).
 */
export interface Every {
  wake(): void
  stop(): Promise<void>
}

export function every(job: string, ms: number, firstMs: number, fn: () => Promise<number | void>): Every {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let woken = false
  let stopped = false
  const loop = () => {
    timer = undefined
    woken = false
    let next = ms
    const end = metrics().periodicJob.startTimer({ job })
    running = fn()
      .then((pause) => {
        if (typeof pause === 'number') next = pause
      })
      .finally(() => {
        end()
        running = undefined
        if (!stopped) timer = setTimeout(loop, woken ? 0 : next)
      })
  }
  timer = setTimeout(loop, firstMs)
  return {
    wake() {
      if (stopped) return
      if (running) woken = true
      else {
        clearTimeout(timer)
        timer = setTimeout(loop, 0)
      }
    },
    async stop() {
      stopped = true
      clearTimeout(timer)
      await running
    },
  }
}
