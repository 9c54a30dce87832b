import { route, type RouteEntry } from './expectations'
import { matrixTap, matrixTapDefinition, matrixTapTopic, pausedMatrixTap } from './taps'

/**
 * Every exported method of every `app/api/**\/route.ts`, keyed `METHOD /path/[param]` as the folder
 * spells it: who may call it, where its plant comes from (see PlantSource) and a request about a given
 * plant. The role-matrix test calls each one with no credentials, an unknown and a revoked token, a
 * token of each role, an operator's session cookie, the bootstrap token and a token with the `ingest`
 * scope, for plant IN and plant OUT. A route or method missing here fails the test: add one line.
 */
const dl = async (w: Parameters<RouteEntry['request']>[0], plant: string) => (await w.make.deadLetter(plant)).id

export const ROUTES: Record<string, RouteEntry> = {
  // better-auth's own endpoints: signing in is what anonymous callers do.
  'GET /api/auth/[...all]': route('public', 'none', () => ({ params: { all: ['get-session'] } })),
  'POST /api/auth/[...all]': route('public', 'none', (w) => ({ params: { all: ['sign-in', 'email'] }, body: { email: w.users.viewer.email, password: w.users.viewer.password } })),
  // Liveness for load balancers and the Prometheus scrape: public by design (no plant data, route names only).
  'GET /api/health': route('public', 'none'),
  'GET /api/metrics': route('public', 'none'),
  'POST /api/otlp/v1/traces': route('ingest', 'none', () => ({ body: { resourceSpans: [] } })),
  // The tRPC endpoint: PROCEDURES covers every procedure; these prove the HTTP adapter authenticates the same way.
  'GET /api/trpc/[trpc]': route('viewer', 'none', () => ({ params: { trpc: 'me.get' } })),
  'POST /api/trpc/[trpc]': route('operator', 'record', async (w, plant) => ({
    params: { trpc: 'alerts.acknowledge' },
    body: { json: { id: await w.make.alert(plant), comment: 'role matrix' } },
  })),

  'GET /api/v1/plants': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/kpis': route('viewer', 'argument', (_w, plant) => ({ query: { plant, range: '24h' } })),
  'GET /api/v1/traces': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/traces/export': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/traces/[correlationId]': route('viewer', 'record', async (w, plant) => {
    const { correlationId, t } = await w.make.trace(plant)
    return { params: { correlationId }, query: { t } }
  }),

  'GET /api/v1/reconciliation': route('viewer', 'argument', (_w, plant) => ({ query: { plant, range: '24h' } })),
  'GET /api/v1/reconciliation/export': route('viewer', 'argument', (_w, plant) => ({ query: { plant, range: '24h' } })),

  'GET /api/v1/dead-letters': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/dead-letters/export': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/dead-letters/[id]': route('viewer', 'record', async (w, plant) => ({ params: { id: await dl(w, plant) } })),
  'GET /api/v1/dead-letters/[id]/value': route('viewer', 'record', async (w, plant) => ({ params: { id: await dl(w, plant) } })),

  'GET /api/v1/replays': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'POST /api/v1/replays': route('operator', 'payload', async (w, plant) => ({
    body: { dryRun: true, filter: { plant, fingerprint: (await w.make.deadLetter(plant)).fingerprint } },
  })),
  'GET /api/v1/replays/[id]': route('viewer', 'record', async (w, plant) => ({ params: { id: await w.make.replayJob(plant) } })),
  'POST /api/v1/replays/[id]/[action]': route('operator', 'record', async (w, plant) => ({ params: { id: await w.make.replayJob(plant), action: 'pause' } })),

  'GET /api/v1/alerts': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'GET /api/v1/alert-rules': route('viewer', 'argument', (_w, plant) => ({ query: { plant } })),
  'POST /api/v1/alert-rules': route('admin', 'payload', (w, plant) => ({ body: { plant, kind: 'ingest_freshness', severity: 'warning', name: w.make.unique('rule') } })),
  'PATCH /api/v1/alert-rules/[id]': route('admin', 'record', async (w, plant) => ({ params: { id: await w.make.rule(plant) }, body: { name: w.make.unique('rule') } })),
  'GET /api/v1/alert-channels': route('admin', 'none'),
  // Unknown API paths: a JSON 404 for everyone, whoever asks; nothing is read or changed.
  ...Object.fromEntries(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((m) => [`${m} /api/v1/[...rest]`, route('public', 'none', () => ({ params: { rest: ['no-such-thing'] } }), [404])])),
  'GET /api/v1/taps': route('admin', 'none'),
  'POST /api/v1/taps': route('admin', 'none', (w) => ({ body: { ...matrixTapDefinition(w.make.unique('tap')), enabled: false } })),
  'GET /api/v1/taps/[name]': route('admin', 'none', async (w) => ({ params: { name: await matrixTap(w) } })),
  'PUT /api/v1/taps/[name]': route('admin', 'none', async (w) => {
    const name = await matrixTap(w)
    return { params: { name }, body: { ...matrixTapDefinition(name), start: 'latest' } }
  }),
  'DELETE /api/v1/taps/[name]': route('admin', 'none', async (w) => ({ params: { name: await matrixTap(w) } })),
  'POST /api/v1/taps/[name]/[action]': route('admin', 'none', async (w) => ({ params: { name: await pausedMatrixTap(w), action: 'resume' } })),
  'POST /api/v1/taps/[name]/preview': route('admin', 'none', async (w) => {
    const name = await matrixTap(w, await matrixTapTopic(w))
    return { params: { name }, body: { limit: 5 } }
  }),
  'POST /api/v1/alert-channels': route('admin', 'none', (w) => ({ body: { name: w.make.unique('channel'), kind: 'webhook', url: 'https://hooks.example.com/rm' } })),
}
