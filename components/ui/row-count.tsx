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
