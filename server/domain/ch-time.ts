/**
 * ClickHouse DateTime / DateTime64 text ('YYYY-MM-DD hh:mm:ss[.sss]', always UTC here) and back.
 * Pure, so the console's charts and the server share one parser; ISO text passes through.
 */

/** A Date as the text both transports bind identically to `{x:DateTime64(3, 'UTC')}`. */
export function toChDateTime(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new Error('Invalid Date passed to ClickHouse')
  return d.toISOString().replace('T', ' ').replace('Z', '')
}

/** The inverse: DateTime text as FORMAT JSON returns it (or ISO 8601) → Date. */
export function fromChDateTime(text: string): Date {
  return new Date(chTimeToIso(text))
}

/** DateTime text as FORMAT JSON returns it (or ISO 8601) → ISO 8601 UTC text. */
export function chTimeToIso(text: string): string {
  return text.includes('T') ? text : `${text.replace(' ', 'T')}Z`
}
