/**
 * HSTS for a console people reach over https. Sent only then: over plain http browsers ignore it,
 * and promising https for a host that has none would lock users out. It depends on PUBLIC_URL, a
 * runtime setting, so the server adds it per response (next.config.js headers are fixed at build).
 * No includeSubDomains: other services on the plant's domain may still be plain http.
 */
export function strictTransportSecurity(publicUrl: string): string | null {
  return new URL(publicUrl).protocol === 'https:' ? 'max-age=31536000' : null
}
