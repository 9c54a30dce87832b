/**
 * Nearest-rank percentile of ascending `sorted` timings: the smallest one that at least a share `q`
 * of the runs do not exceed (p95 of 40 runs is the 38th, not the slowest).
 */
export const percentile = (sorted: readonly number[], q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!
