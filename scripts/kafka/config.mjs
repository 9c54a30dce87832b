// The broker's configuration: its properties file, the JVM command line, the storage format.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CONTROLLER_PORT, Fatal, here, libsDir, logDirs, PORT, propsFile, VERSION } from './settings.mjs'

export function writeProperties() {
  mkdirSync(logDirs, { recursive: true })
  const text = readFileSync(join(here, 'server.properties'), 'utf8')
    .replaceAll('{{PORT}}', String(PORT))
    .replaceAll('{{CONTROLLER_PORT}}', String(CONTROLLER_PORT))
    .replaceAll('{{LOG_DIRS}}', logDirs)
  writeFileSync(propsFile, text)
}

export function javaArgs(mainClass, ...args) {
  return [
    ...(process.env.KAFKA_HEAP_OPTS || '-Xmx512m').split(/\s+/).filter(Boolean),
    // Kafka's own kafka-run-class.sh defaults, plus dying on OOM rather than limping on.
    '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:InitiatingHeapOccupancyPercent=35',
    '-XX:+ExplicitGCInvokesConcurrent', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`,
    // Unused by Kafka; they let this script recognise its brokers in the process list.
    `-Dlinetrace.kafka.port=${PORT}`, `-Dlinetrace.kafka.version=${VERSION}`,
    '-cp', join(libsDir, '*'), mainClass, ...args,
  ]
}

/** Formats the storage once; meta.properties then holds the cluster id for every later start. */
export function formatStorage() {
  if (existsSync(join(logDirs, 'meta.properties'))) return
  // A Kafka Uuid is 16 random bytes in URL-safe base64; Kafka avoids a leading '-' (reads as an option).
  let clusterId
  do clusterId = randomBytes(16).toString('base64url')
  while (clusterId.startsWith('-'))
  // --standalone: this node is the sole voter of a dynamic (KIP-853) quorum; 4.x's way for one node.
  const r = spawnSync('java', javaArgs('kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', propsFile, '--standalone'), { encoding: 'utf8' })
  if (r.status !== 0) throw new Fatal(`Formatting ${logDirs} failed:\n${r.stdout}${r.stderr}`)
}

