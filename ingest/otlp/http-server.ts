import { createServer, type Server } from 'node:http'
import type { Logger } from '../../server/logger'
import { createOtlpReceiver, type OtlpReceiver, type OtlpReceiverDeps } from './receiver'

/** `npm start` and `npm run ingest`: the receiver on OTLP_HTTP_PORT, or nothing when it is 0/off. */
export async function serveOtlp(deps: OtlpReceiverDeps): Promise<Server | undefined> {
  const port = deps.config.env.OTLP_HTTP_PORT
  if (port === 0) return undefined
  return startOtlpHttpServer({ port, host: deps.config.env.HOST, receiver: createOtlpReceiver(deps), logger: deps.logger })
}

/**
 * The OTLP/HTTP port of the ingest worker (OTLP_HTTP_PORT, 4318 as OTel exporters expect), bound
 * to HOST like the console: `POST /v1/traces` only. Resolves once listening.
 */
export async function startOtlpHttpServer(options: { port: number; host: string; receiver: OtlpReceiver; logger: Logger }): Promise<Server> {
  const { receiver, logger } = options
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0]
    if (path !== '/v1/traces') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found: OTLP traces go to POST /v1/traces"}')
      return
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' }).end('{"error":"POST OTLP trace requests here"}')
      return
    }
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value)
    receiver({ headers, body: req })
      .then((answer) => {
        // A request refused before its body was read: the connection cannot be reused.
        if (!req.complete) answer.headers.connection = 'close'
        res.writeHead(answer.status, answer.headers).end(answer.body)
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'OTLP request failed')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"internal error"}')
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  logger.info({ host: options.host, port: typeof address === 'object' && address ? address.port : options.port }, 'OTLP/HTTP receiver listening on /v1/traces')
  return server
}
