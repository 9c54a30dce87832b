// Where this DATA_DIR's broker lives and listens, from the environment (kafka.mjs lists the
// variables), and the pinned Kafka version with the cache folder of its jars.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const here = dirname(fileURLToPath(import.meta.url))
const pom = readFileSync(join(here, 'pom.xml'), 'utf8')
export const VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(pom)[1]

export const HOST = '127.0.0.1'
export const PORT = Number(process.env.KAFKA_PORT || 9092)
export const CONTROLLER_PORT = PORT + 1
export const BOOTSTRAP = `${HOST}:${PORT}`
export const START_TIMEOUT_MS = 120_000 // generous: a start takes 3-8 s on 2 cores, longer when they are busy
export const STOP_TIMEOUT_MS = 30_000

export const dataDir = resolve(process.env.DATA_DIR || '.data')
export const logDirs = join(dataDir, 'kafka')
export const propsFile = join(dataDir, 'kafka.properties')
export const pidFile = join(dataDir, 'kafka.pid')
export const logFile = join(dataDir, 'kafka.log')

const cacheRoot = process.env.KAFKA_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'linetrace')
const pomHash = createHash('sha256').update(pom).digest('hex').slice(0, 8)
export const libsDir = join(cacheRoot, `kafka-${VERSION}-${pomHash}`, 'libs')

/** A failure the CLI reports as its message alone (exit 1), without a stack trace. */
export class Fatal extends Error {}

