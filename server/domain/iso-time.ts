/**
 * Epoch milliseconds of RFC 3339 text, exactly as `Date.parse` reads it. The form our own code and
 * most emitters write (`toISOString`: `YYYY-MM-DDTHH:MM:SS.sssZ`) is read by arithmetic: ingest
 * reads three or four times per hop event (batch weeks, the origin cache, the Native block), and
 * `Date.parse` costs ~210 ns a call, this ~80 (bench/ingest/costs.ts times both). Anything else —
 * offsets, other precisions, a day past the 28th (months differ), out-of-range fields — goes to
 * `Date.parse` itself, so the two never disagree (iso-time.test.ts holds them to it).
 */
export function isoMs(text: string): number {
  if (text.length === 24 && text.charCodeAt(23) === 90 /* Z */) {
    const ms = canonicalMs(text)
    if (ms !== undefined) return ms
  }
  return Date.parse(text)
}

function canonicalMs(s: string): number | undefined {
  // - - T : : . where toISOString puts them
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 46) return undefined
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3)
  const mo = digit(s, 5) * 10 + digit(s, 6)
  const d = digit(s, 8) * 10 + digit(s, 9)
  const h = digit(s, 11) * 10 + digit(s, 12)
  const mi = digit(s, 14) * 10 + digit(s, 15)
  const sec = digit(s, 17) * 10 + digit(s, 18)
  const ms = digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22)
  // NaN (a non-digit) fails every comparison.
  if (!(y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 28 && h <= 23 && mi <= 59 && sec <= 59 && ms >= 0)) return undefined
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + sec * 1000 + ms
}

/** The digit at s[i], NaN when it is not one. */
function digit(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48
  return d >= 0 && d <= 9 ? d : NaN
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}
