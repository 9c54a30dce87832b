import { metrics } from '../server/metrics'

/**
 * Runs `fn` every `ms` (the pause counts from the end of a run, so runs never overlap); the first
 * run after `firstMs`. The returned stop waits for a run in progress. `fn` may return a shorter
 * pause for the next run (e.g. 0 while it is catching up). Each run's time is recorded under `job`
 * (`linetrace_periodic_job_seconds`): what an idle worker spends, per job (bench suite `idle`).
 */
export function every(job: string, ms: number, firstMs: number, fn: () => Promise<number | void>): () => Promise<void> {
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = false
  const loop = () => {
    let next = ms
    const end = metrics().periodicJob.startTimer({ job })
    running = fn()
      .then((pause) => {
        if (typeof pause === 'number') next = pause
      })
      .finally(() => {
        end()
        running = undefined
        if (!stopped) timer = setTimeout(loop, next)
      })
  }
  timer = setTimeout(loop, firstMs)
  return async () => {
    stopped = true
    clearTimeout(timer)
    await running
  }
}
