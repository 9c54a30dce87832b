'use client'

import { fromChDateTime } from '@/server/domain/ch-time'
import { Area, AreaChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts'
import { formatPlantTime, formatUtc } from '../ui/format'

/** A bucket start as FORMAT JSON or ISO gives it: plant-local with UTC beside it, or UTC when the plant's zone is not known. */
export function bucketLabel(t: string | undefined, timeZone?: string): string {
  if (!t) return ''
  const at = fromChDateTime(t)
  return timeZone ? `${formatPlantTime(at, timeZone)} (${formatUtc(at)})` : formatUtc(at)
}

/** A small trend without axes; the tooltip gives the number (e.g. transactions started per bucket). */
export function Sparkline({ data, dataKey, label, color = '#0369a1', timeZone }: { data: object[]; dataKey: string; label: string; color?: string; timeZone?: string }) {
  return (
    <div className="h-10 w-full" data-testid={`spark-${dataKey}`} aria-label={label} role="img">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
          <YAxis hide domain={[0, 'auto']} />
          <Tooltip
            formatter={(v) => [String(v), label]}
            labelFormatter={(_, p) => bucketLabel((p?.[0]?.payload as { t?: string } | undefined)?.t, timeZone)}
          />
          <Area type="monotone" dataKey={dataKey} stroke={color} fill={color} fillOpacity={0.15} strokeWidth={1.5} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  )
}
