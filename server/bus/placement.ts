/**
 * Kafka's default placement of a keyed record, shared by both adapters: the local bus places
 * records where Kafka would, and the Kafka adapter's partitioner hashes keys with it (kafkajs' own
 * murmur2 allocates Long objects per step, a tenth of the send time).
 */

/** Kafka's murmur2 (Java client `Utils.murmur2`), in 32-bit integer arithmetic: no Long objects on the hot path. */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995
  const length = data.length
  let h = 0x9747b28c ^ length
  const tail = length & ~3
  for (let i = 0; i < tail; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24)
    k = Math.imul(k, m)
    k ^= k >>> 24
    k = Math.imul(k, m)
    h = Math.imul(h, m) ^ k
  }
  switch (length & 3) {
    case 3:
      h ^= data[tail + 2]! << 16
    // falls through
    case 2:
      h ^= data[tail + 1]! << 8
    // falls through
    case 1:
      h ^= data[tail]!
      h = Math.imul(h, m)
  }
  h ^= h >>> 13
  h = Math.imul(h, m)
  h ^= h >>> 15
  return h | 0
}

/** Where Kafka's default partitioner (Java and kafkajs alike) puts a keyed record. */
export function partitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions
}
