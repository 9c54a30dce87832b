// The prerequisites: Java, and Kafka's jars fetched once with Maven into the cache (settings.mjs).
import { spawnSync } from 'node:child_process'
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Fatal, here, libsDir, VERSION } from './settings.mjs'

function haveTool(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  return r.error?.code === 'ENOENT' ? null : `${r.stdout}${r.stderr}`
}

/** Java always; Maven only until the jars are cached. One line naming everything that is missing. */
export function checkTools() {
  const java = haveTool('java', ['-version'])
  const missing = [!java && 'java', !jarsCached() && !haveTool('mvn', ['-v']) && 'mvn'].filter(Boolean)
  if (missing.length) {
    const pkgs = missing.map((m) => (m === 'java' ? 'openjdk-17-jre-headless' : 'maven')).join(' ')
    throw new Fatal(`${missing.join(' and ')} not found: install ${missing.length > 1 ? 'them' : 'it'} first (Debian: apt-get install -y ${pkgs})`)
  }
  const major = Number(/version "(?:1\.)?(\d+)/.exec(java)?.[1])
  if (major < 17) throw new Fatal(`Kafka ${VERSION} needs Java 17 or newer, found ${java.split('\n')[0]} (apt-get install -y openjdk-17-jre-headless)`)
}

const jarsCached = () => existsSync(join(libsDir, '.complete'))

/** Fetches Kafka's jars once; a temporary folder renamed at the end keeps a broken download from ever looking complete. */
export function fetchJars() {
  if (jarsCached()) return
  console.log(`Fetching Apache Kafka ${VERSION} jars with Maven into ${libsDir} (first run only)...`)
  const tmp = `${libsDir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  const r = spawnSync('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', join(here, 'pom.xml'),
    'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${tmp}`], { encoding: 'utf8' })
  if (r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true })
    const tail = `${r.stdout}${r.stderr}`.replace(/\x1b\[[0-9;]*m/g, '').trim().split('\n').slice(-25).join('\n')
    throw new Fatal(`Maven could not fetch Kafka ${VERSION} (exit ${r.status ?? r.signal}):\n${tail}`)
  }
  writeFileSync(join(tmp, '.complete'), `${VERSION}\n`)
  rmSync(libsDir, { recursive: true, force: true }) // an incomplete folder left by an older script
  try {
    renameSync(tmp, libsDir)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true }) // another start won the race: use its jars
    if (!existsSync(join(libsDir, '.complete'))) throw err
  }
}

