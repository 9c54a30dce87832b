import { chQuery } from '../../clickhouse/exec'
import { fromChDateTime } from '../../domain/ch-time'
import { DomainError } from '../../domain/errors'
import { bodyOf } from './dead-letter-facts'
import type { ReplayCtx } from './dry-run'

/**
 * What the edit dialog starts from: the dead letter's value as text and, when its order went TECO
 * (flow F, BS/013), the order its line runs now, so the person edits one field instead of hunting
 * for a 12-digit number. "Runs now" = the newest order counted on that line in the last two hours
 * that has not gone TECO itself.
 */

export interface EditContext {
  deadLetterId: string
  value: string | null
  errorCode: string | null
  plant: string | null
  line: string | null
  workOrder: string | null
  runningOrder: { workOrder: string; seenAt: Date } | null
}

const WINDOW_MS = 2 * 3_600_000

export async function suggestRunningOrder(ctx: Pick<ReplayCtx, 'db' | 'ch' | 'principal' | 'actor'>, { deadLetterId }: { deadLetterId: string }, now = new Date()): Promise<EditContext> {
  const { principal } = ctx
  const dl = await ctx.db.deadLetter.findUnique({ where: { id: deadLetterId }, select: { id: true, value: true, plantCode: true, errorCode: true } })
  if (!dl || !(principal.plants === 'all' || (dl.plantCode !== null && principal.plants.includes(dl.plantCode))))
    throw new DomainError('NOT_FOUND', `Dead letter ${deadLetterId} does not exist or is not in your plants.`)
  const body = bodyOf(dl) ?? {}
  const line = typeof body.line === 'string' ? body.line : null
  const workOrder = typeof body.work_order === 'string' ? body.work_order : null
  const context: EditContext = {
    deadLetterId,
    value: dl.value ? Buffer.from(dl.value).toString('utf8') : null,
    errorCode: dl.errorCode,
    plant: dl.plantCode,
    line,
    workOrder,
    runningOrder: null,
  }
  if (!dl.plantCode || !line || !workOrder) return context
  const since = new Date(now.getTime() - WINDOW_MS)
  const { rows } = await chQuery<{ work_order: string; seen_at: string }>(ctx.ch, {
    name: 'replays.runningOrder',
    sql: `SELECT work_order, maxIf(occurred_at, event_type = 'shopfloor.production_counted') AS seen_at
            FROM ${ctx.ch.database}.hop_events
           WHERE plant = {plant:String} AND origin_time >= {since:DateTime64(3, 'UTC')} AND occurred_at >= {since:DateTime64(3, 'UTC')}
             AND work_order != '' AND work_order != {current:String}
             AND ((event_type = 'shopfloor.production_counted' AND line = {line:String}) OR event_type = 'plan.work_order_status_changed')
           GROUP BY work_order
          HAVING countIf(event_type = 'shopfloor.production_counted') > 0
             AND countIf(event_type = 'plan.work_order_status_changed' AND attributes['status'] = 'TECO') = 0
           ORDER BY seen_at DESC
           LIMIT 1`,
    params: { plant: dl.plantCode, line, current: workOrder, since },
    actor: ctx.actor,
  })
  const hit = rows[0]
  return hit ? { ...context, runningOrder: { workOrder: hit.work_order, seenAt: fromChDateTime(hit.seen_at) } } : context
}
