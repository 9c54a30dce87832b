import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** What a production build depends on; a change to any of these triggers a rebuild at start. */
const INPUTS = ['app', 'components', 'server', 'proxy.ts', 'next.config.js', 'postcss.config.mjs', 'tsconfig.json', 'package-lock.json']
const STAMP = '.next/linetrace-build-stamp'

function walk(path: string, out: string[]) {
  if (!existsSync(path)) return
  const stat = statSync(path)
  if (stat.isDirectory()) for (const entry of readdirSync(path).sort()) walk(join(path, entry), out)
  else out.push(`${path}:${stat.size}:${stat.mtimeMs}`)
}

export function sourceStamp(root: string): string {
  const files: string[] = []
  for (const input of INPUTS) walk(join(root, input), files)
  return createHash('sha256').update(files.join('\n')).digest('hex')
}

export function buildIsCurrent(root: string): boolean {
  const stampFile = join(root, STAMP)
  return existsSync(join(root, '.next/BUILD_ID')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === sourceStamp(root)
}

export function writeBuildStamp(root: string): void {
  writeFileSync(join(root, STAMP), sourceStamp(root))
}
