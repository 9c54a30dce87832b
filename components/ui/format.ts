const integer = new Intl.NumberFormat('en-US')
const quantity = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 })

export function formatCount(n: number): string {
  return integer.format(n)
}

/** A business quantity (pieces, kg, m): up to three decimals, as SAP quantities have. */
export function formatQuantity(n: number): string {
  return quantity.format(n)
}

/**
 * Plant-local wall time with the zone's abbreviation; the UTC instant goes in the title attribute.
 * `seconds` for sequences of events a few seconds apart (a trace's hops).
 */
export function formatPlantTime(date: Date, timeZone: string, opts: { seconds?: boolean } = {}): string {
  // dateStyle/timeStyle cannot be combined with timeZoneName (TypeError in V8): spell the fields out.
  return new Intl.DateTimeFormat('en-GB', {
    timeZone,
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    ...(opts.seconds ? { second: '2-digit' } : {}),
    timeZoneName: 'short',
  }).format(date)
}

/**
 * The signed-in person's own zone (the browser's), for what people did: audit entries, replay jobs
 * created or approved, notes. Named in the output, so a screenshot is never ambiguous.
 */
export function userTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
}

/** A person's action in their own zone, in the same `5 Dec 2026, 04:05:09 CET` form as plant times. */
export function formatUserTime(date: Date | string, timeZone: string = userTimeZone()): string {
  return formatPlantTime(new Date(date), timeZone, { seconds: true })
}

/** Durations humanised with sensible precision: `850 ms`, `1.8 s`, `42 s`, `2 h 14 min`, `3 d 4 h`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  const sign = ms < 0 ? '−' : ''
  const a = Math.abs(ms)
  if (a < 1_000) return `${sign}${Math.round(a)} ms`
  if (a < 10_000) return `${sign}${(a / 1_000).toFixed(1)} s`
  if (a < 60_000) return `${sign}${Math.round(a / 1_000)} s`
  const min = Math.floor(a / 60_000)
  if (min < 60) {
    const s = Math.round((a % 60_000) / 1_000)
    return `${sign}${min} min${min < 10 && s ? ` ${s} s` : ''}`
  }
  const h = Math.floor(min / 60)
  if (h < 48) return `${sign}${h} h${min % 60 ? ` ${min % 60} min` : ''}`
  const d = Math.floor(h / 24)
  return `${sign}${d} d${h % 24 ? ` ${h % 24} h` : ''}`
}

/** `97.4 %`; `—` when there is nothing to divide. */
export function formatPercent(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  return `${value.toFixed(digits)} %`
}

/** `3 min ago`, `in 2 h`: for "last seen" columns; pair it with the absolute time in a title. */
export function formatRelative(date: Date | string, now = new Date()): string {
  const diff = now.getTime() - new Date(date).getTime()
  if (Math.abs(diff) < 5_000) return 'just now'
  return diff >= 0 ? `${formatDuration(diff)} ago` : `in ${formatDuration(-diff)}`
}

/** UTC instant for title attributes (hover shows UTC, the cell shows plant-local time). */
export function formatUtc(date: Date | string): string {
  return `${new Date(date).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC')}`
}

/** An instant as a `datetime-local` input's value, in the browser's zone (what the input shows and returns). */
export function toDateTimeLocal(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** JSON text indented for reading; text that is not JSON comes back as it is. */
export function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}
