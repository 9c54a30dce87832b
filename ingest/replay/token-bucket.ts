import { sleep } from '../../server/retry'

/**
 * A token bucket for a job's rate: `rate` tokens per second, at most `capacity` saved up. A batch
 * takes what has accumulated (at least one token, waiting for it), so batches adapt to how long
 * each round trip takes while the long-run rate stays exact.
 */
export class TokenBucket {
  private tokens: number
  private last = performance.now()

  constructor(
    private readonly rate: number,
    private readonly capacity: number,
  ) {
    this.tokens = Math.min(1, capacity)
  }

  private refill(): void {
    const now = performance.now()
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate)
    this.last = now
  }

  /** Waits until at least one token is there, then takes up to `max` whole tokens; 0 when `signal` aborted. */
  async take(max: number, signal: AbortSignal): Promise<number> {
    this.refill()
    while (this.tokens < 1) {
      if (signal.aborted) return 0
      await sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000), signal)
      this.refill()
    }
    const n = Math.max(1, Math.min(max, Math.floor(this.tokens)))
    this.tokens -= n
    return n
  }

  /** Gives back tokens taken for records that were not sent. */
  refund(n: number): void {
    this.tokens = Math.min(this.capacity, this.tokens + n)
  }
}
