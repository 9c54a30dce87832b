/**
 * Time windows for rollup reads. Rollups answer at bucket resolution, so a window [from, to) is
 * widened outwards to whole buckets: every bucket that overlaps it is read. Long windows read the
 * hourly rollup for their whole hours and the minute rollup only for the ragged edges.
 */

const MINUTE = 60_000
const HOUR = 3_600_000

export const floorTo = (d: Date, step: number): Date => new Date(Math.floor(d.getTime() / step) * step)
export const ceilTo = (d: Date, step: number): Date => new Date(Math.ceil(d.getTime() / step) * step)

export interface BucketPlan {
  /** Whole hours read from the *_1h rollup: [from, to); absent when the window has none. */
  hours?: { from: Date; to: Date }
  /** Minute ranges read from the *_1m rollup (the edges, or everything for short windows). */
  minutes: Array<{ from: Date; to: Date }>
}

export function assertWindow(from: Date, to: Date): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime())) throw new Error('Invalid time range')
  if (to.getTime() <= from.getTime()) throw new Error('Time range is empty: "to" must be after "from"')
}

/**
 * Split [from, to) into whole hours plus minute edges. Note the minute rollup is kept 14 days:
 * edges older than that read as empty, which only matters at minute precision.
 */
export function planBuckets(from: Date, to: Date): BucketPlan {
  assertWindow(from, to)
  const mFrom = floorTo(from, MINUTE)
  const mTo = ceilTo(to, MINUTE)
  const hFrom = ceilTo(mFrom, HOUR)
  const hTo = floorTo(mTo, HOUR)
  if (hTo.getTime() <= hFrom.getTime()) return { minutes: [{ from: mFrom, to: mTo }] }
  const minutes: Array<{ from: Date; to: Date }> = []
  if (mFrom < hFrom) minutes.push({ from: mFrom, to: hFrom })
  if (hTo < mTo) minutes.push({ from: hTo, to: mTo })
  return { hours: { from: hFrom, to: hTo }, minutes }
}
