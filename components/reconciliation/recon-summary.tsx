'use client'

import { RECON_KIND_INFO, type ReconKind } from '@/server/domain/reconciliation'
import type { RouterOutputs } from '../trpc/client'
import { formatCount, formatQuantity } from '../ui/format'
import { flowLabel } from '../ui/pickers'

type Summary = RouterOutputs['reconciliation']['summary']

const qty = formatQuantity
const DIFFS: ReconKind[] = ['never_posted', 'posted_twice', 'quantity_differs', 'posted_late']
/**
 * Per plant-local day and flow: source transactions and quantities against ERP postings and
 * documents, and the differences counted; a count filters the list below to that kind.
 */
export function ReconSummaryTable({ summary, onKind }: { summary: Summary; onKind: (kind: ReconKind) => void }) {
  const t = summary.totals
  return (
    <div className="overflow-x-auto rounded border border-slate-200 dark:border-slate-700">
      <table className="w-full text-sm" data-testid="recon-summary">
        <caption className="p-2 text-left text-xs text-slate-500">
          Days in plant time ({summary.timeZone}). Sent = source transactions of the shop floor; quantities are good quantities (MES) against the yield ERP
          confirmed. In flight = no posting yet, within the flow SLA.
        </caption>
        <thead className="bg-slate-50 text-left dark:bg-slate-800">
          <tr>
            <th className="p-2">Day</th>
            <th className="p-2">Flow</th>
            <th className="p-2 text-right">Sent</th>
            <th className="p-2 text-right">Posted</th>
            <th className="p-2 text-right">In flight</th>
            <th className="p-2 text-right">ERP documents</th>
            <th className="p-2 text-right">Qty sent</th>
            <th className="p-2 text-right">Qty posted</th>
            {DIFFS.map((k) => (
              <th key={k} className="p-2 text-right" title={RECON_KIND_INFO[k].description}>
                {RECON_KIND_INFO[k].icon} {RECON_KIND_INFO[k].label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {summary.days.map((d) => (
            <tr key={`${d.day}|${d.flow}`} className="border-t border-slate-100 dark:border-slate-800">
              <td className="p-2 whitespace-nowrap">{d.day}</td>
              <td className="p-2">{flowLabel(d.flow)}</td>
              <td className="p-2 text-right">{formatCount(d.transactions)}</td>
              <td className="p-2 text-right">{formatCount(d.posted)}</td>
              <td className="p-2 text-right">{formatCount(d.in_flight)}</td>
              <td className="p-2 text-right">{formatCount(d.documents)}</td>
              <td className="p-2 text-right">{qty(d.source_qty)}</td>
              <td className="p-2 text-right">{qty(d.erp_qty)}</td>
              {DIFFS.map((k) => (
                <td key={k} className={`p-2 text-right ${d[k] > 0 ? 'font-medium text-red-700 dark:text-red-300' : ''}`}>
                  {d[k] > 0 ? (
                    <button type="button" className="underline" onClick={() => onKind(k)} aria-label={`${RECON_KIND_INFO[k].label}: ${d[k]} on ${d.day}, ${flowLabel(d.flow)}`}>
                      {formatCount(d[k])}
                    </button>
                  ) : (
                    '0'
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot className="border-t-2 border-slate-200 font-medium dark:border-slate-700">
          <tr data-testid="recon-totals">
            <td className="p-2" colSpan={2}>
              Total
            </td>
            <td className="p-2 text-right">{formatCount(t.transactions)}</td>
            <td className="p-2 text-right">{formatCount(t.posted)}</td>
            <td className="p-2 text-right">{formatCount(t.in_flight)}</td>
            <td className="p-2 text-right">{formatCount(t.documents)}</td>
            <td className="p-2 text-right">{qty(t.source_qty)}</td>
            <td className="p-2 text-right">{qty(t.erp_qty)}</td>
            {DIFFS.map((k) => (
              <td key={k} className="p-2 text-right">
                {formatCount(t[k])}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </div>
  )
}
