import { mutation, query, type ProcedureEntry } from './expectations'
import { matrixTap, matrixTapDefinition, matrixTapTopic, pausedMatrixTap } from './taps'

/**
 * Every tRPC procedure of appRouter: query or mutation, the least role that may call it, where its
 * plant comes from (see PlantSource), and an input about a given plant (a fresh object per call).
 * The role-matrix test calls each one as anonymous, viewer, operator (both of plant IN only) and
 * admin, for plant IN and plant OUT. A procedure missing here fails the test: add one line.
 */
const range = { range: '24h' }
const later = (hours: number) => new Date(Date.now() + hours * 3_600_000)

export const PROCEDURES: Record<string, ProcedureEntry> = {
  'me.get': query('viewer', 'none'),
  'system.ingest': query('viewer', 'none'),

  'plants.list': query('viewer', 'none'),
  'plants.get': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'overview.hopCounts': query('viewer', 'argument', (_w, plant) => ({ plants: [plant], ...range })),

  'kpis.overview': query('viewer', 'argument', (_w, plant) => ({ plants: [plant], ...range })),
  'kpis.plant': query('viewer', 'argument', (_w, plant) => ({ plant, ...range })),
  'kpis.targets': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'kpis.setTarget': mutation('admin', 'argument', (_w, plant) => ({ plant, flow: '*', kpi: 'e2e_latency_p95', target: 300 })),
  'kpis.resetTarget': mutation('admin', 'argument', async (w, plant) => {
    const flow = w.make.unique('rm').replace('-', '_')
    await w.runtime.db.prisma.slaTarget.create({ data: { plantCode: plant, flow, kpi: 'e2e_latency_p95', target: 60, unit: 's' } })
    return { plant, flow, kpi: 'e2e_latency_p95' }
  }),

  'reconciliation.summary': query('viewer', 'argument', (_w, plant) => ({ plant, ...range })),
  'reconciliation.transactions': query('viewer', 'argument', (_w, plant) => ({ plant, ...range })),
  'traces.search': query('viewer', 'argument', (_w, plant) => ({ plant, ...range })),
  'traces.get': query('viewer', 'record', async (w, plant) => {
    const { correlationId, t } = await w.make.trace(plant)
    return { correlationId, t }
  }),
  'traces.payload': query('viewer', 'record', (w, plant) => w.make.trace(plant)),

  'deadLetters.groups': query('viewer', 'argument', (_w, plant) => ({ plant, filter: {} })),
  'deadLetters.records': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'deadLetters.group': query('viewer', 'argument', async (w, plant) => ({ plant, filter: { fingerprint: (await w.make.deadLetter(plant)).fingerprint } })),
  'deadLetters.addRunbookNote': mutation('operator', 'record', async (w, plant) => ({ fingerprint: (await w.make.deadLetter(plant)).fingerprint, body: 'role matrix note' })),
  'deadLetters.markFixed': mutation('operator', 'record', async (w, plant) => ({ id: (await w.make.deadLetter(plant)).id, note: 'role matrix' })),
  'deadLetters.get': query('viewer', 'record', async (w, plant) => ({ id: (await w.make.deadLetter(plant)).id })),
  'deadLetters.assignees': query('operator', 'argument', (_w, plant) => ({ plant })),
  'deadLetters.assign': mutation('operator', 'record', async (w, plant) => ({ id: (await w.make.deadLetter(plant)).id, assigneeId: w.users.admin.id })),
  'deadLetters.comment': mutation('operator', 'record', async (w, plant) => ({ id: (await w.make.deadLetter(plant)).id, body: 'role matrix' })),
  'deadLetters.discard': mutation('operator', 'record', async (w, plant) => ({ id: (await w.make.deadLetter(plant)).id, reason: 'role matrix' })),
  'deadLetters.triageGroup': mutation('operator', 'payload', async (w, plant) => ({
    filter: { plant, fingerprint: (await w.make.deadLetter(plant)).fingerprint },
    action: { kind: 'discard', reason: 'role matrix' },
  })),

  'replays.list': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'replays.get': query('viewer', 'record', async (w, plant) => ({ id: await w.make.replayJob(plant) })),
  'replays.dryRun': mutation('operator', 'payload', async (w, plant) => ({ request: { filter: { plant, fingerprint: (await w.make.deadLetter(plant)).fingerprint } } })),
  'replays.create': mutation('operator', 'payload', async (w, plant) => ({
    request: { filter: { plant, fingerprint: (await w.make.deadLetter(plant)).fingerprint }, reason: 'role matrix' },
  })),
  'replays.control': mutation('operator', 'record', async (w, plant) => ({ id: await w.make.replayJob(plant), action: 'pause' })),
  'replays.editContext': query('operator', 'record', async (w, plant) => ({ deadLetterId: (await w.make.deadLetter(plant)).id })),

  'alerts.list': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'alerts.firingCount': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'alerts.get': query('viewer', 'record', async (w, plant) => ({ id: await w.make.alert(plant) })),
  'alerts.acknowledge': mutation('operator', 'record', async (w, plant) => ({ id: await w.make.alert(plant), comment: 'role matrix' })),
  'alerts.rules.list': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'alerts.rules.create': mutation('admin', 'payload', (w, plant) => ({ plant, kind: 'ingest_freshness', severity: 'warning', name: w.make.unique('rule') })),
  'alerts.rules.update': mutation('admin', 'record', async (w, plant) => ({ id: await w.make.rule(plant), change: { name: w.make.unique('rule') } })),
  'alerts.rules.delete': mutation('admin', 'record', async (w, plant) => ({ id: await w.make.rule(plant) })),
  'alerts.silences.list': query('viewer', 'argument', (_w, plant) => ({ plant })),
  'alerts.silences.create': mutation('operator', 'payload', (_w, plant) => ({ plant, startsAt: new Date(), endsAt: later(1), reason: 'role matrix' })),
  'alerts.silences.end': mutation('operator', 'record', async (w, plant) => ({ id: await w.make.silence(plant) })),
  'alerts.channels.list': query('admin', 'none'),
  'alerts.channels.create': mutation('admin', 'none', (w) => ({ name: w.make.unique('channel'), kind: 'webhook', url: 'https://hooks.example.com/rm' })),
  'alerts.channels.update': mutation('admin', 'none', async (w) => ({ id: await w.make.channel(), change: { name: w.make.unique('channel') } })),
  'alerts.channels.delete': mutation('admin', 'none', async (w) => ({ id: await w.make.channel() })),
  'alerts.channels.test': mutation('admin', 'none', async (w) => ({ id: await w.make.channel() })),
  'alerts.channels.deliveries': query('admin', 'none', () => ({})),

  'admin.users.list': query('admin', 'none'),
  'admin.users.create': mutation('admin', 'none', (w) => ({ email: `${w.make.unique('new')}@role-matrix.test`, name: 'New', password: 'role-matrix-password', role: 'viewer' })),
  'admin.users.update': mutation('admin', 'none', async (w) => ({ id: await w.make.user(), change: { name: 'Renamed' } })),
  'admin.users.resetPassword': mutation('admin', 'none', async (w) => ({ id: await w.make.user(), password: 'another-password-1' })),
  'admin.tokens.list': query('admin', 'none'),
  'admin.tokens.create': mutation('admin', 'none', (w) => ({ userId: w.users.viewer.id, name: w.make.unique('token') })),
  'admin.tokens.revoke': mutation('admin', 'none', async (w) => ({ id: await w.make.apiToken() })),
  /** The plant is `code`, not `plant`: admins only, and admins have every plant. */
  'admin.plants.update': mutation('admin', 'payload', (_w, plant) => ({ code: plant, change: { replayApprovalRequired: false } })),
  'admin.audit.list': query('admin', 'none', () => ({})),
  'admin.otlp.mapping': query('admin', 'none'),
  'admin.otlp.saveMapping': mutation('admin', 'none', async (w) => ({
    config: { defaultHop: 'hub' },
    baseUpdatedAt: (await w.runtime.db.prisma.otlpMapping.findUnique({ where: { id: 1 } }))?.updatedAt ?? null,
  })),
  'admin.otlp.services': query('admin', 'none'),

  'taps.list': query('admin', 'none'),
  'taps.get': query('admin', 'none', async (w) => ({ name: await matrixTap(w) })),
  'taps.create': mutation('admin', 'none', (w) => ({ definition: matrixTapDefinition(w.make.unique('tap')) })),
  'taps.update': mutation('admin', 'none', async (w) => {
    const name = await matrixTap(w)
    return { name, definition: { ...matrixTapDefinition(name), start: 'latest' } }
  }),
  'taps.enable': mutation('admin', 'none', async (w) => ({ name: await matrixTap(w) })),
  'taps.disable': mutation('admin', 'none', async (w) => ({ name: await matrixTap(w) })),
  'taps.delete': mutation('admin', 'none', async (w) => ({ name: await matrixTap(w) })),
  'taps.resume': mutation('admin', 'none', async (w) => ({ name: await pausedMatrixTap(w) })),
  'taps.preview': mutation('admin', 'none', async (w) => ({ definition: matrixTapDefinition(w.make.unique('tap'), await matrixTapTopic(w)) })),
}
