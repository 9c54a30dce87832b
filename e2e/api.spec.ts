import { expect, test } from '@playwright/test'
import { DEMO_ADMIN_TOKEN } from './helpers'

test('health reports every part embedded and ClickHouse 26', async ({ request }) => {
  const response = await request.get('/api/health')
  expect(response.status()).toBe(200)
  const body = await response.json()
  expect(body).toMatchObject({
    status: 'ok',
    mode: { transport: 'local', clickhouse: 'embedded', postgres: 'embedded' },
    clickhouse: { ok: true },
    postgres: { ok: true },
  })
  expect(body.clickhouse.version).toMatch(/^26\./)
})

test('metrics are in Prometheus text format', async ({ request }) => {
  await request.get('/api/v1/plants')
  const response = await request.get('/api/metrics')
  expect(response.status()).toBe(200)
  const text = await response.text()
  expect(text).toContain('# TYPE linetrace_http_requests_total counter')
  expect(text).toMatch(/linetrace_http_requests_total\{route="GET \/api\/v1\/plants",status="401"\} \d+/)
})

test('the REST API wants a bearer token', async ({ request }) => {
  const anonymous = await request.get('/api/v1/plants')
  expect(anonymous.status()).toBe(401)
  expect((await anonymous.json()).error.message).toContain('Bearer')
  const admin = await request.get('/api/v1/plants', { headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` } })
  expect(admin.status()).toBe(200)
  expect((await admin.json()).plants).toHaveLength(5)
})
