import { randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Secrets an embedded install makes for itself on first start and keeps under DATA_DIR (readable by
 * its owner only), so they survive restarts and no two installs share one.
 */
function keptSecret(dataDir: string, file: string, make: () => string): string {
  const path = join(dataDir, file)
  if (existsSync(path)) return readFileSync(path, 'utf8').trim()
  const secret = make()
  writeFileSync(path, secret, { mode: 0o600 })
  return secret
}

/** Signs session cookies when AUTH_SECRET is not set. */
export function embeddedAuthSecret(dataDir: string): string {
  return keptSecret(dataDir, 'auth-secret', () => randomBytes(32).toString('hex'))
}

export const EMBEDDED_ADMIN_TOKEN_FILE = 'admin-api-token'

/** The demo's REST bootstrap token when ADMIN_API_TOKEN is not set: random per install, printed at start. */
export function embeddedAdminToken(dataDir: string): string {
  return keptSecret(dataDir, EMBEDDED_ADMIN_TOKEN_FILE, () => `lt-bootstrap-${randomBytes(24).toString('base64url')}`)
}
