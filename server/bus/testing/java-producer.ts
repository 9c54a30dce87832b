import { execFile, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

/**
 * Kafka's own Java producer, from the jars scripts/kafka/kafka.mjs caches: the reference for where
 * a keyed record goes. Needs a JDK (the program is run as a single source file); null without one.
 */

const SOURCE = `
import java.io.*;
import java.util.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class Place {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put("bootstrap.servers", args[0]);
    props.put("key.serializer", ByteArraySerializer.class.getName());
    props.put("value.serializer", ByteArraySerializer.class.getName());
    List<java.util.concurrent.Future<RecordMetadata>> sent = new ArrayList<>();
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
      for (String line; (line = in.readLine()) != null && !line.isEmpty(); )
        sent.add(producer.send(new ProducerRecord<>(args[1], HexFormat.of().parseHex(line.substring(1)), new byte[0])));
      for (var f : sent) System.out.println(f.get().partition());
    }
  }
}
`

/** The cached jars, found the way kafka.mjs names them (version and pom hash). */
function kafkaLibs(): string | null {
  const pom = readFileSync(resolve(import.meta.dirname, '../../../scripts/kafka/pom.xml'), 'utf8')
  const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)?.[1]
  const hash = createHash('sha256').update(pom).digest('hex').slice(0, 8)
  const root = process.env.KAFKA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'linetrace')
  const libs = join(root, `kafka-${version}-${hash}`, 'libs')
  return existsSync(join(libs, '.complete')) ? libs : null
}

export function javaProducerAvailable(): boolean {
  const modules = spawnSync('java', ['--list-modules'], { encoding: 'utf8' })
  return modules.status === 0 && modules.stdout.includes('jdk.compiler') && kafkaLibs() !== null
}

/** Produces one empty record per key with Java's default partitioner; returns each record's partition. */
export async function javaPlacement(brokers: string, topic: string, keys: Buffer[]): Promise<number[]> {
  const libs = kafkaLibs()
  if (!libs) throw new Error('Kafka jars are not cached (run npm run kafka once)')
  const dir = mkdtempSync(join(tmpdir(), 'linetrace-java-'))
  try {
    writeFileSync(join(dir, 'Place.java'), SOURCE)
    const stdout = await new Promise<string>((done, fail) => {
      const child = execFile('java', ['-cp', join(libs, '*'), join(dir, 'Place.java'), brokers, topic], { timeout: 60_000 }, (error, out, err) => {
        if (error) fail(new Error(`Java producer failed: ${error.message}\n${err}`))
        else done(out)
      })
      // '#' keeps an empty key's line from ending the input.
      child.stdin!.end(keys.map((k) => `#${k.toString('hex')}\n`).join(''))
    })
    return stdout.trim().split('\n').map(Number)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
