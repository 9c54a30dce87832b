import { createOtlpReceiver, type OtlpReceiver } from '@/ingest/otlp/receiver'
import { getTransport } from '@/server/bus'
import { logger } from '@/server/logger'
import { getRuntime } from '@/server/runtime'

export const dynamic = 'force-dynamic'

/**
 * OTLP/HTTP traces under the console (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=<console>/api/otlp/v1/traces`),
 * for exporters that reach only the console's address: the same receiver as the worker's
 * OTLP_HTTP_PORT (ingest/otlp/receiver.ts), writing to the same topic.
 */
let receiver: OtlpReceiver | undefined

export async function POST(req: Request) {
  if (!receiver) {
    const runtime = await getRuntime()
    receiver = createOtlpReceiver({ config: runtime.config, transport: getTransport(runtime.config), prisma: runtime.db.prisma, logger })
  }
  const answer = await receiver({ headers: req.headers, body: req.body })
  return new Response(answer.body.slice(), { status: answer.status, headers: answer.headers })
}
