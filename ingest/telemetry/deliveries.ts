/**
 * How a pipeline's deliveries take turns on the JavaScript thread, and how many wait for their
 * writes. Two things make decoding overlap inserting instead of taking turns with it:
 *
 * 1. One delivery is decoded per turn of the event loop, one after another (`decodeTurn`). An
 *    insert that became due when the previous delivery was sealed (coalescer.ts) starts in between
 *    and runs in the engine's threads while this one is decoded. Without it the deliveries of one
 *    fetch (every partition's, handed over at once) were decoded back to back and only then
 *    inserted, while the next fetch waited for those inserts.
 * 2. A decoded delivery is released (HandlerContext.release): on Kafka the partition's next
 *    delivery is fetched and decoded while this one's rows are written. `waiting` counts such
 *    deliveries "ahead": decoded while an earlier one of their partition is still being written.
 */
export class Deliveries {
  private decoding: Promise<void> = Promise.resolve()
  private readonly perPartition = new Map<string, number>()
  /** Deliveries decoded whose rows are not all written yet. */
  pending = 0
  /** Of those, deliveries decoded while an earlier one of their partition was still being written. */
  ahead = 0

  /** Waits for the previous delivery's decode and a turn of the event loop; resolves with the function that ends this turn. */
  async decodeTurn(): Promise<() => void> {
    const previous = this.decoding
    let end!: () => void
    this.decoding = new Promise((resolve) => (end = resolve))
    await previous
    await new Promise((resolve) => setImmediate(resolve))
    return end
  }

  /** Counts the delivery of `partition` (topic:partition) as waiting for its writes until `writes` settles. */
  async waiting<T>(partition: string, writes: () => Promise<T>): Promise<T> {
    const earlier = this.perPartition.get(partition) ?? 0
    this.perPartition.set(partition, earlier + 1)
    this.pending++
    if (earlier > 0) this.ahead++
    try {
      return await writes()
    } finally {
      this.pending--
      if (earlier > 0) this.ahead--
      const left = this.perPartition.get(partition)! - 1
      if (left === 0) this.perPartition.delete(partition)
      else this.perPartition.set(partition, left)
    }
  }
}
