/** "1–50 of 3,214" (or "50 shown, more available" when the total is unknown). */
export function RowCount({ first, shown, total }: { first: number; shown: number; total?: number | null }) {
  const fmt = new Intl.NumberFormat('en-US')
  const text =
    shown === 0
      ? 'No rows'
      : total === undefined || total === null
        ? `${fmt.format(first)}–${fmt.format(first + shown - 1)}, more may follow`
        : `${fmt.format(first)}–${fmt.format(first + shown - 1)} of ${fmt.format(total)}`
  return (
    <p className="text-sm tabular-nums text-slate-500 dark:text-slate-400" data-testid="row-count">
      {text}
    </p>
  )
}

/**
 * The bar over a cursor-paged list: where the page is, First/Next page, and the CSV export of the
 * whole filter (at most `exportLimit` rows). `page` is undefined until the first page has loaded.
 */
export function PagerBar({
  first,
  shown,
  page,
  onPage,
  exportHref,
  exportLimit,
}: {
  first: number
  shown: number
  page: { cursor: string | null; nextCursor: string | null } | undefined
  onPage: (to: { cursor: string; first: number } | null) => void
  exportHref: string
  exportLimit: number
}) {
  const limit = new Intl.NumberFormat('en-US').format(exportLimit)
  return (
    <div className="flex flex-wrap items-center justify-between gap-2 text-sm">
      {page ? <RowCount first={first} shown={shown} total={page.nextCursor ? null : first + shown - 1} /> : <span />}
      <span className="flex items-center gap-2">
        {page?.cursor && (
          <button type="button" className="btn" onClick={() => onPage(null)}>
            First page
          </button>
        )}
        {page?.nextCursor && (
          <button type="button" className="btn" onClick={() => onPage({ cursor: page.nextCursor!, first: first + shown })}>
            Next page
          </button>
        )}
        <a className="btn" href={exportHref} download title={`At most ${limit} rows`}>
          Export CSV (up to {limit} rows)
        </a>
      </span>
    </div>
  )
}
