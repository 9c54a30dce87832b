'use client'

import { useEffect, useRef, useState, type PointerEvent } from 'react'
import { formatDuration } from '../ui/format'
import { LANES, STATUS_STYLE, UNKNOWN_STATUS_STYLE } from './lanes'
import { clampWindow, percentOf, zoom, type HopSpan, type TimeWindow } from './waterfall-scale'

const LANE_HEIGHT = 12

/**
 * The whole transaction in one strip, a lane per system, every hop a mark to scale; the shaded box is
 * the part the waterfall below shows. Drag across it to zoom to a range, click to move there, or use
 * the buttons. One canvas, drawn when the hops or the width change, so 2,000 hops cost nothing per frame.
 */
export function TraceOverview({
  spans,
  lanes,
  statuses,
  full,
  view,
  onView,
}: {
  spans: readonly HopSpan[]
  lanes: readonly number[]
  statuses: readonly string[]
  full: TimeWindow
  view: TimeWindow
  onView: (w: TimeWindow) => void
}) {
  const canvasRef = useRef<HTMLCanvasElement>(null)
  const [width, setWidth] = useState(0)
  const [drag, setDrag] = useState<{ x0: number; x1: number } | null>(null)

  useEffect(() => {
    const canvas = canvasRef.current
    if (!canvas) return
    const observer = new ResizeObserver(([entry]) => setWidth(Math.floor(entry!.contentRect.width)))
    observer.observe(canvas)
    return () => observer.disconnect()
  }, [])

  useEffect(() => {
    const canvas = canvasRef.current
    const g = canvas?.getContext('2d')
    if (!canvas || !g || width === 0) return
    const dpr = window.devicePixelRatio || 1
    canvas.width = width * dpr
    canvas.height = LANES.length * LANE_HEIGHT * dpr
    g.scale(dpr, dpr)
    const scale = width / (full.to - full.from)
    spans.forEach((s, i) => {
      g.fillStyle = (STATUS_STYLE[statuses[i]!] ?? UNKNOWN_STATUS_STYLE).hex
      const x = (s.start - full.from) * scale
      g.fillRect(x, lanes[i]! * LANE_HEIGHT + 2, Math.max(2, (s.end - s.start) * scale), LANE_HEIGHT - 4)
    })
  }, [spans, lanes, statuses, full, width])

  const toMs = (x: number) => full.from + (x / Math.max(1, width)) * (full.to - full.from)
  const xOf = (e: PointerEvent<HTMLDivElement>) => e.clientX - e.currentTarget.getBoundingClientRect().left

  function onPointerUp(e: PointerEvent<HTMLDivElement>) {
    if (!drag) return
    const x1 = xOf(e)
    const [a, b] = [Math.min(drag.x0, x1), Math.max(drag.x0, x1)]
    setDrag(null)
    if (b - a > 4) onView(clampWindow({ from: toMs(a), to: toMs(b) }, full))
    else {
      const half = (view.to - view.from) / 2
      onView(clampWindow({ from: toMs(x1) - half, to: toMs(x1) + half }, full))
    }
  }

  const zoomed = view.from > full.from || view.to < full.to
  return (
    <div className="space-y-1 border-b border-slate-200 p-2 text-xs dark:border-slate-800" data-testid="trace-overview">
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">Timeline</span>
        <button type="button" className="btn px-2 py-0" aria-label="Zoom out" onClick={() => onView(zoom(view, 2, full))}>
          −
        </button>
        <button type="button" className="btn px-2 py-0" aria-label="Zoom in" onClick={() => onView(zoom(view, 0.5, full))}>
          +
        </button>
        <button type="button" className="btn px-2 py-0" disabled={!zoomed} onClick={() => onView(full)}>
          Whole transaction
        </button>
        <span className="text-slate-500" data-testid="timeline-window">
          showing +{formatDuration(view.from)} to +{formatDuration(view.to)} of {formatDuration(full.to - full.from)} · drag below to zoom, +/− keys
        </span>
      </div>
      <div className="grid grid-cols-[4rem_minmax(0,1fr)]">
        <ul aria-hidden="true" className="text-[10px] leading-3 text-slate-500">
          {LANES.map((l) => (
            <li key={l.id} style={{ height: LANE_HEIGHT }}>
              {l.label}
            </li>
          ))}
        </ul>
        <div
          className="relative cursor-crosshair touch-none select-none rounded bg-slate-50 dark:bg-slate-900"
          style={{ height: LANES.length * LANE_HEIGHT }}
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId)
            setDrag({ x0: xOf(e), x1: xOf(e) })
          }}
          onPointerMove={(e) => drag && setDrag({ x0: drag.x0, x1: xOf(e) })}
          onPointerUp={onPointerUp}
          onPointerCancel={() => setDrag(null)}
        >
          <canvas ref={canvasRef} className="absolute inset-0 h-full w-full" role="img" aria-label={`${spans.length} hops over ${formatDuration(full.to - full.from)}, a lane per system`} />
          <div className="pointer-events-none absolute inset-y-0 border-x-2 border-sky-500 bg-sky-400/15" style={{ left: `${percentOf(view.from, full)}%`, width: `${percentOf(view.to, full) - percentOf(view.from, full)}%` }} />
          {drag && <div className="pointer-events-none absolute inset-y-0 bg-sky-500/30" style={{ left: Math.min(drag.x0, drag.x1), width: Math.abs(drag.x1 - drag.x0) }} />}
        </div>
      </div>
    </div>
  )
}
