import type { AlertLink } from './alerts'

/**
 * The console's shareable URLs, in one place so every page links to every other the same way
 * (UI.md: every view is a link; drill-downs carry plant, time and filters). Header state
 * (`range` or `from`/`to`, `plant`) is passed along where the target shows a time range.
 */

export interface HeaderState {
  range?: string | null
  from?: string | null
  to?: string | null
  plant?: string | null
}

type Params = Record<string, string | number | readonly string[] | null | undefined>

function withQuery(path: string, params: Params): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue
    if (Array.isArray(value)) {
      if (value.length) search.set(key, value.join(','))
    } else search.set(key, String(value))
  }
  const query = search.toString()
  return query ? `${path}?${query}` : path
}

function header(h: HeaderState | undefined): Params {
  return { range: h?.range, from: h?.from, to: h?.to, plant: h?.plant }
}

/** One transaction; `originTime` (ISO) lets the read prune to one partition. */
export function traceHref(correlationId: string, originTime?: string | Date | null, back?: string): string {
  const t = originTime ? new Date(originTime).toISOString() : undefined
  return withQuery(`/traces/${encodeURIComponent(correlationId)}`, { t, back })
}

/** Trace search: `q` is the search box (a value, or `key:value` such as `work_order:155000072353`). */
export function tracesHref(
  filter: { q?: string | null; flow?: readonly string[]; status?: readonly string[]; line?: string | null } = {},
  h?: HeaderState,
): string {
  return withQuery('/traces', { ...header(h), q: filter.q, flow: filter.flow, status: filter.status, line: filter.line })
}

/** CSV export of a trace search (GET /api/v1/traces/export; same filters as the REST search). */
export function traceExportHref(filter: {
  key?: string | null
  status?: readonly string[] | null
  flow?: readonly string[] | null
  line?: string | null
  plant?: string | null
  from?: string | Date | null
  to?: string | Date | null
}): string {
  const iso = (d: string | Date | null | undefined) => (d ? new Date(d).toISOString() : undefined)
  return withQuery('/api/v1/traces/export', {
    key: filter.key,
    status: filter.status ?? undefined,
    flow: filter.flow ?? undefined,
    line: filter.line,
    plant: filter.plant,
    from: iso(filter.from),
    to: iso(filter.to),
  })
}

/** Exception groups, or one group's records with `fingerprint`; other facets as in DeadLetterFilter. */
export function exceptionsHref(
  filter: {
    fingerprint?: string | null
    flow?: readonly string[]
    category?: readonly string[]
    errorCode?: readonly string[]
    status?: readonly string[]
    q?: string | null
    /** Group facets (issue 19): plants within the header's, a material, a consumer group. */
    plants?: readonly string[] | null
    material?: string | null
    consumerGroup?: string | null
    olderThan?: string | null
    assignee?: string | null
  } = {},
  h?: HeaderState,
): string {
  return withQuery('/exceptions', {
    ...header(h),
    fingerprint: filter.fingerprint,
    flow: filter.flow,
    category: filter.category,
    errorCode: filter.errorCode,
    status: filter.status,
    q: filter.q,
    plants: filter.plants,
    material: filter.material,
    consumerGroup: filter.consumerGroup,
    olderThan: filter.olderThan,
    assignee: filter.assignee,
  })
}

/** One dead letter's detail. */
export function deadLetterHref(id: string): string {
  return `/exceptions/${encodeURIComponent(id)}`
}

/** One dead letter's whole value as a download (REST; the session cookie authenticates). */
export function deadLetterValueHref(id: string): string {
  return `/api/v1/dead-letters/${encodeURIComponent(id)}/value`
}

/** CSV of the dead letters matching the exceptions filter (REST, streamed; the session cookie authenticates). */
export function deadLetterExportHref(filter: Params): string {
  return withQuery('/api/v1/dead-letters/export', filter)
}

export function replaysHref(): string {
  return '/replays'
}

export function replayJobHref(id: string): string {
  return `/replays/${encodeURIComponent(id)}`
}

/**
 * The replay dry run for a selection: hand-picked dead letters (`ids`), or everything matching the
 * exceptions filter (pass the same facets the exceptions page has in its URL).
 */
export function newReplayHref(selection: { ids: readonly string[] } | { filter: Params }): string {
  return 'ids' in selection ? withQuery('/replays/new', { ids: selection.ids }) : withQuery('/replays/new', selection.filter)
}

export function plantHref(plant: string, h?: HeaderState): string {
  return withQuery(`/plants/${encodeURIComponent(plant)}`, { range: h?.range, from: h?.from, to: h?.to })
}

/** The alert inbox; `alert` opens one alert in the peek panel. */
export function alertsHref(filter: { state?: string | null; alert?: string | null } = {}, h?: HeaderState): string {
  return withQuery('/alerts', { plant: h?.plant, state: filter.state, alert: filter.alert })
}

/** Alert rules of a plant (`plant` from the header) and the other alert settings pages. */
export function alertSettingsHref(page: 'rules' | 'channels' | 'silences', h?: HeaderState): string {
  return withQuery(`/alerts/${page}`, { plant: h?.plant })
}

/**
 * An alert's link descriptor (stored with the episode) as a console URL, through these builders
 * like every other cross-page link. The worker uses it too, for the links in notifications.
 */
export function alertLinkHref(link: AlertLink): string {
  switch (link.page) {
    case 'exceptions':
      return exceptionsHref({ flow: link.flow ? [link.flow] : undefined, status: link.status }, { plant: link.plant })
    case 'traces':
      return tracesHref({ flow: link.flow ? [link.flow] : undefined, status: link.status, line: link.line }, { plant: link.plant, range: link.range })
    case 'plant':
      return plantHref(link.plant)
  }
}

/** A plant's Reconciliation view (MES against ERP); `flow` and `kind` filter it. */
export function reconciliationHref(plant: string, filter: { flow?: string | null; kind?: readonly string[] } = {}, h?: HeaderState): string {
  return withQuery(`/plants/${encodeURIComponent(plant)}/reconciliation`, { range: h?.range, from: h?.from, to: h?.to, flow: filter.flow, kind: filter.kind })
}

/** CSV of the Reconciliation view's differences (REST, streamed; the session cookie authenticates). */
export function reconciliationExportHref(filter: { plant: string; flow?: string | null; kind?: readonly string[] | null; from?: string | null; to?: string | null }): string {
  return withQuery('/api/v1/reconciliation/export', { plant: filter.plant, flow: filter.flow, kind: filter.kind ?? undefined, from: filter.from, to: filter.to })
}
