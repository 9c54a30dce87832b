'use client'

import { fromChDateTime } from '@/server/domain/ch-time'
import { Area, AreaChart, ResponsiveContainer, Tooltip, YAxis } from 'recharts'

/** A bucket start as FORMAT JSON or ISO gives it, in the browser's time. */
export function bucketLabel(t: string | undefined): string {
  if (!t) return ''
  return fromChDateTime(t).toLocaleString()
}

/** A small trend without axes; the tooltip gives the number (e.g. transactions started per bucket). */
export function Sparkline({ data, dataKey, label, color = '#0369a1' }: { data: object[]; dataKey: string; label: string; color?: string }) {
  return (
    <div className="h-10 w-full" data-testid={`spark-${dataKey}`} aria-label={label} role="img">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
          <YAxis hide domain={[0, 'auto']} />
          <Tooltip
            formatter={(v) => [String(v), label]}
            labelFormatter={(_, p) => bucketLabel((p?.[0]?.payload as { t?: string } | undefined)?.t)}
          />
          <Area type="monotone" dataKey={dataKey} stroke={color} fill={color} fillOpacity={0.15} strokeWidth={1.5} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  )
}
