import { Kafka, logLevel } from 'kafkajs'

/** Partitions of every topic the ingest bench produces to (TELEMETRY_PARTITIONS' default). */
export const PARTITIONS = 6

/** A kafkajs client of the bench's producers, and a fresh topic of PARTITIONS partitions on it. */
export async function benchTopic(brokers: string, topic: string): Promise<Kafka> {
  const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'lt-bench', logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true })
  await admin.disconnect()
  return kafka
}
