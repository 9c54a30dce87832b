/** Names a subscription matches. Pattern subscriptions skip Kafka's internal topics (`__*`), as Java's consumer does. */
export function topicMatcher(topics: string[] | RegExp): (topic: string) => boolean {
  if (Array.isArray(topics)) {
    const names = new Set(topics)
    return (topic) => names.has(topic)
  }
  // Without g/y a RegExp keeps no lastIndex, so test() gives the same answer every time.
  const pattern = new RegExp(topics.source, topics.flags.replace(/[gy]/g, ''))
  return (topic) => !topic.startsWith('__') && pattern.test(topic)
}
