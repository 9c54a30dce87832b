'use client'

import { keepPreviousData, useQuery } from '@tanstack/react-query'
import Link from 'next/link'
import { usePathname, useSearchParams } from 'next/navigation'
import { plantHref, reconciliationExportHref } from '@/server/domain/links'
import { RECON_KIND_INFO, RECON_KINDS, type ReconKind } from '@/server/domain/reconciliation'
import { POSTING_FLOWS } from '@/server/domain/txn-state'
import { useHeaderState } from '../shell/url-state'
import { useTRPC } from '../trpc/client'
import { ErrorNotice } from '../ui/empty-state'
import { flowLabel } from '../ui/pickers'
import { PagerBar } from '../ui/row-count'
import { ReconList } from './recon-list'
import { ReconSummaryTable } from './recon-summary'
import { useReconState } from './url-state'

const EXPORT_LIMIT = 10_000
type PostingFlow = (typeof POSTING_FLOWS)[number]
const isPostingFlow = (f: string | null): f is PostingFlow => !!f && (POSTING_FLOWS as readonly string[]).includes(f)

/**
 * The Reconciliation view of one plant: what the shop floor sent against what ERP posted, per day
 * and flow, and the transactions that differ. Time range from the header; flow, kind and page in
 * the URL; CSV of the same list.
 */
export function ReconciliationView({ plant, timeZone }: { plant: string; timeZone: string }) {
  const trpc = useTRPC()
  const pathname = usePathname()
  const searchParams = useSearchParams()
  const [header] = useHeaderState()
  const [s, setS] = useReconState()
  const here = `${pathname}${searchParams.size ? `?${searchParams.toString()}` : ''}`
  const flows = isPostingFlow(s.flow) ? [s.flow] : undefined
  const base = { plant, range: header.range, from: header.from, to: header.to, flows }
  const summary = useQuery({ ...trpc.reconciliation.summary.queryOptions(base), placeholderData: keepPreviousData })
  const list = useQuery({ ...trpc.reconciliation.transactions.queryOptions({ ...base, kinds: s.kind ?? undefined, cursor: s.cursor, limit: 50 }), placeholderData: keepPreviousData })
  const rows = list.data?.items ?? []
  const first = Number(s.first ?? 1) || 1
  const setKind = (kind: ReconKind | null) => void setS({ kind: kind ? [kind] : null, cursor: null, first: null })
  const exportHref = reconciliationExportHref({ plant, flow: flows?.[0], kind: s.kind, from: summary.data?.from, to: summary.data?.to })

  return (
    <section aria-labelledby="recon-title" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h1 id="recon-title" className="text-xl font-semibold">
          Reconciliation · plant {plant}
        </h1>
        <Link className="text-sm underline" href={plantHref(plant, header)}>
          Back to the plant dashboard
        </Link>
      </div>
      <form className="flex flex-wrap items-end gap-2" onSubmit={(e) => e.preventDefault()}>
        <label className="flex flex-col text-sm">
          <span>Flow</span>
          <select aria-label="Flow" className="input" value={flows?.[0] ?? ''} onChange={(e) => void setS({ flow: e.target.value || null, cursor: null, first: null })}>
            <option value="">All posting flows</option>
            {POSTING_FLOWS.map((f) => (
              <option key={f} value={f}>
                {flowLabel(f)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col text-sm">
          <span>Difference</span>
          <select aria-label="Difference" className="input" value={s.kind?.[0] ?? ''} onChange={(e) => setKind((e.target.value || null) as ReconKind | null)}>
            <option value="">All differences</option>
            {RECON_KINDS.map((k) => (
              <option key={k} value={k}>
                {RECON_KIND_INFO[k].icon} {RECON_KIND_INFO[k].label}
              </option>
            ))}
          </select>
        </label>
      </form>
      {summary.error && <ErrorNotice error={summary.error} />}
      {summary.data ? <ReconSummaryTable summary={summary.data} onKind={setKind} /> : !summary.error && <p className="text-sm text-slate-500">Reconciling…</p>}
      <h2 className="text-lg font-semibold">Transactions that differ</h2>
      {list.error && <ErrorNotice error={list.error} />}
      <PagerBar
        first={first}
        shown={rows.length}
        page={list.data ? { cursor: s.cursor ?? null, nextCursor: list.data.nextCursor } : undefined}
        onPage={(to) => void setS(to ? { cursor: to.cursor, first: String(to.first) } : { cursor: null, first: null })}
        exportHref={exportHref}
        exportLimit={EXPORT_LIMIT}
      />
      <ReconList rows={rows} loading={list.isLoading} back={here} timeZone={timeZone} />
    </section>
  )
}
