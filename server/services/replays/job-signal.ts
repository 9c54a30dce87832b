/**
 * "A replay job may have work now": said by the console's services once a job is queued, approved,
 * resumed or aborted (committed), heard by the replay executor of the same process (`npm start`),
 * which then looks at once instead of at its next poll. An executor in another process (`npm run
 * ingest` beside `npm run web`) does not hear it and finds the job at its next poll (5 s), so the
 * executor need not look every second for nothing (bench suite `idle`).
 */

const listeners = new Set<() => void>()

export function replayJobsChanged(): void {
  for (const listener of listeners) listener()
}

/** Returns the unsubscribe. */
export function onReplayJobsChanged(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
