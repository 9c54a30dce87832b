/** ClickHouse quantileExact semantics: the element at floor(level × n) of the sorted values; null when empty. */
export function quantileExact(values: readonly number[], level: number): number | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.min(sorted.length - 1, Math.floor(level * sorted.length))]!
}
