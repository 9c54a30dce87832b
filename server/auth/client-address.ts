/**
 * The one place that says which address a request came from: the login rate limiter, the audit
 * log and the logs all ask here, so they can never disagree about who an actor is.
 */
export function clientAddress(headers: Headers): string | null {
  return headers.get('x-forwarded-for')?.split(',')[0]?.trim() || null
}
