import { checkHealth } from '@/server/health'
import { getRuntime } from '@/server/runtime'

export const dynamic = 'force-dynamic'

/** Public liveness and readiness: 200 when every store answers, 503 naming what does not. */
export async function GET() {
  try {
    const health = await checkHealth(await getRuntime())
    return Response.json(health, { status: health.status === 'ok' ? 200 : 503, headers: { 'cache-control': 'no-store' } })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return Response.json({ status: 'error', failing: ['startup'], error: message }, { status: 503 })
  }
}
