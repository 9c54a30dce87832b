import { context as otelContext, SpanKind, trace } from '@opentelemetry/api'
import { expect, test, type APIRequestContext } from '@playwright/test'
import { exportSpans, startTestTracer } from '../ingest/otlp/testing'
import { DEMO, DEMO_ADMIN_TOKEN, signIn } from './helpers'

/**
 * Issue 5 journeys on the embedded demo (month-start scenario: plant 1000's postings succeed once
 * its period opens a minute after the start): a support engineer searches a work order, opens its
 * trace and sees the ERP posting with its document; a viewer of plant 1000 gets a clear "not in
 * your plants" page for a plant 2000 trace, and 403 from the REST API; spans exported by the
 * OpenTelemetry SDK to the console are found by their trace id and shown as OpenTelemetry hops.
 */

const auth = { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` }

interface Item {
  correlation_id: string
  origin_time: string
  plant: string
  flow: string
  status: string
  work_order: string
  erp_documents: string[]
}

async function latest(request: APIRequestContext, query: string): Promise<Item[]> {
  const res = await request.get(`/api/v1/traces?${query}&limit=100`, { headers: auth })
  expect(res.status()).toBe(200)
  return ((await res.json()) as { items: Item[] }).items
}

test('search a work order, open its trace, see the ERP posting hop with its ERP document', async ({ page, request }) => {
  test.setTimeout(300_000)
  let posted: Item | undefined
  await expect
    .poll(
      async () => {
        const items = await latest(request, 'plant=1000&status=posted&flow=production_confirmation')
        posted = items.find((i) => i.work_order && i.erp_documents.length > 0)
        return !!posted
      },
      { message: 'a posted production confirmation with a work order in plant 1000', timeout: 240_000, intervals: [5_000] },
    )
    .toBe(true)
  const txn = posted!

  // The REST trace: hops in occurred_at order from the machine event to the ERP posting.
  const res = await request.get(`/api/v1/traces/${encodeURIComponent(txn.correlation_id)}?t=${encodeURIComponent(txn.origin_time)}`, { headers: auth })
  expect(res.status()).toBe(200)
  const body = (await res.json()) as { hops: { hop: string; event_type: string; occurred_at: string; erp_document: string }[] }
  expect(body.hops[0]!.hop).toBe('machine')
  const times = body.hops.map((h) => h.occurred_at)
  expect([...times].sort()).toEqual(times)
  const posting = body.hops.find((h) => h.event_type === 'erp.posting_succeeded')
  expect(posting?.erp_document).toBe(txn.erp_documents[0])

  await signIn(page, DEMO.operator)
  await page.goto('/traces')
  await page.getByLabel('Search transactions').fill(txn.work_order)
  await page.getByRole('button', { name: 'Search' }).click()
  await expect(page).toHaveURL(new RegExp(`q=${txn.work_order}`))
  await expect(page.getByTestId('search-reading')).toContainText(`work order ${txn.work_order}`)
  const results = page.getByTestId('trace-results')
  await expect(results.getByRole('row').nth(1)).toBeVisible()
  await results.locator(`[data-row-id="${txn.correlation_id}"]`).getByRole('link').click()

  await expect(page).toHaveURL(new RegExp(`/traces/${txn.correlation_id}\\?t=`))
  await expect(page.getByRole('heading', { name: txn.correlation_id })).toBeVisible()
  await expect(page.getByTestId('txn-state').first()).toContainText('posted')
  // Times are plant-local (UTC on hover): the wall clock of plant 1000's own zone, to the second.
  const { plants } = (await (await request.get('/api/v1/plants?plant=1000', { headers: auth })).json()) as { plants: { timeZone: string }[] }
  const wall = new Intl.DateTimeFormat('en-GB', { timeZone: plants[0]!.timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
  const started = page.getByTestId('trace-started')
  await expect(started).toContainText(wall.format(new Date(txn.origin_time)))
  await expect(started).toHaveAttribute('title', /UTC$/)
  const hop = page.locator('[data-testid="hop-row"][data-event-type="erp.posting_succeeded"]').first()
  await expect(hop).toContainText(`doc ${txn.erp_documents[0]}`)
  await hop.click()
  await expect(page.getByTestId('hop-panel')).toContainText('erp.posting_succeeded')
  await expect(page.getByTestId('hop-panel')).toContainText(txn.erp_documents[0]!)

  // The hub's received message carries the business payload, fetched on demand as JSON text.
  await page.locator('[data-testid="hop-row"][data-event-type="integration.message_received"]').first().click()
  await page.getByRole('button', { name: 'Show payload' }).click()
  await expect(page.getByTestId('payload')).toContainText('"')

  // j/k move through the hops; the link leads back to the same search.
  await page.keyboard.press('j')
  await expect(page.getByTestId('hop-panel').getByRole('heading', { level: 2 })).not.toHaveText('integration.message_received')
  await page.getByTestId('back-to-search').click()
  await expect(page).toHaveURL(new RegExp(`/traces\\?.*q=${txn.work_order}`))
})

test('a viewer of plant 1000 gets "not in your plants" for a plant 2000 trace, and 403 from REST', async ({ page, request }) => {
  test.setTimeout(120_000)
  let other: Item | undefined
  await expect
    .poll(async () => (other = (await latest(request, 'plant=2000'))[0]) !== undefined, { message: 'a plant 2000 transaction', timeout: 60_000, intervals: [2_000] })
    .toBe(true)

  await signIn(page, DEMO.viewer)
  await page.goto(`/traces/${encodeURIComponent(other!.correlation_id)}?t=${encodeURIComponent(other!.origin_time)}`)
  await expect(page.getByText('This transaction is not in your plants')).toBeVisible()
  // The owning plant is not named to a user outside it.
  await expect(page.getByTestId('not-in-your-plants')).toContainText('is not in your plants')
  // (The simulator's correlation ids carry the plant code; the message adds nothing to that.)
  await expect(page.getByTestId('not-in-your-plants')).not.toContainText('plant 2000')

  const rest = await page.request.get(`/api/v1/traces/${encodeURIComponent(other!.correlation_id)}`)
  expect(rest.status()).toBe(403)
  expect(((await rest.json()) as { error: { message: string } }).error.message).toContain('not in your plants')
  expect((await page.request.get('/api/v1/traces?plant=2000')).status()).toBe(403)
})

test('spans exported by the OpenTelemetry SDK: found by trace id, marked as OpenTelemetry hops with span ids and attributes', async ({ page, request, baseURL }) => {
  test.setTimeout(120_000)
  // A producer and its eachMessage consumer, as kafkajs instrumentation reports them: one trace.
  const key = `otel-e2e-${Date.now()}`
  const otel = startTestTracer({ 'service.name': 'orders-hub', 'service.instance.id': 'orders-hub-1', 'linetrace.plant': '1000' })
  const messaging = { 'messaging.system': 'kafka', 'messaging.destination.name': 'confirmations', 'messaging.kafka.message.key': key, 'linetrace.work_order': '155000000999' }
  const send = otel.tracer.startSpan('confirmations send', { kind: SpanKind.PRODUCER, attributes: { ...messaging, 'messaging.operation.type': 'send' } })
  const consume = otel.tracer.startSpan(
    'confirmations process',
    { kind: SpanKind.CONSUMER, attributes: { ...messaging, 'messaging.operation.type': 'process', 'app.note': '<b>shown as text</b>' } },
    trace.setSpan(otelContext.active(), send),
  )
  consume.end()
  send.end()
  const traceId = send.spanContext().traceId
  const sendId = send.spanContext().spanId
  const processId = consume.spanContext().spanId
  await exportSpans(otel.finished(), 'protobuf', `${baseURL}/api/otlp`, auth)
  await otel.provider.shutdown()

  let found: Item | undefined
  await expect
    .poll(async () => (found = (await latest(request, `key=trace_id:${traceId}`))[0]) !== undefined, { message: 'the exported trace, by trace id', timeout: 60_000, intervals: [1_000] })
    .toBe(true)
  expect(found).toMatchObject({ correlation_id: key, plant: '1000', work_order: '155000000999' })

  await signIn(page, DEMO.operator)
  await page.goto('/traces')
  // A bare 32-hex value is read as a trace id, in capitals too.
  await page.getByLabel('Search transactions').fill(traceId.toUpperCase())
  await expect(page.getByTestId('search-reading')).toContainText(`trace id ${traceId}`)
  await page.getByRole('button', { name: 'Search' }).click()
  await page.getByTestId('trace-results').locator(`[data-row-id="${key}"]`).getByRole('link').click()
  await expect(page.getByRole('heading', { name: key })).toBeVisible()

  const row = page.locator('[data-testid="hop-row"][data-event-type="integration.transformed"]')
  await expect(row.getByTestId('otel-mark')).toHaveText('OTel (from OpenTelemetry)')
  await expect(row).toContainText(`span ${processId}`)
  await expect(row).toContainText(/took \d+ ms/)
  await expect(page.locator('[data-testid="hop-row"][data-event-type="integration.message_published"]').getByTestId('otel-mark')).toBeVisible()
  await row.click()
  const panel = page.getByTestId('hop-panel')
  await expect(panel.getByRole('heading', { name: 'From OpenTelemetry' })).toBeVisible()
  await expect(panel.getByTestId('otel-span-id')).toHaveText(processId)
  await expect(panel.getByTestId('otel-parent-span-id')).toHaveText(sendId)
  await expect(panel.getByTestId('otel-trace-id')).toHaveText(traceId)
  await expect(panel.getByTestId('otel-duration')).toHaveText(/^\d+ ms$/)
  const attributes = panel.getByTestId('span-attributes')
  await expect(attributes.getByRole('row', { name: /^messaging\.kafka\.message\.key/ })).toContainText(key)
  await expect(attributes.getByRole('row', { name: /^app\.note/ }).getByRole('cell')).toHaveText('<b>shown as text</b>')
  // The span's resource is stored once apart from its hops and shown in a table of its own.
  const resource = panel.getByTestId('resource-attributes')
  await expect(resource.getByRole('row', { name: /^service\.name/ })).toContainText('orders-hub')
  await expect(resource.getByRole('row', { name: /^service\.instance\.id/ })).toContainText('orders-hub-1')
  await expect(attributes.getByRole('row', { name: /^service\.name/ })).toHaveCount(0)
})
