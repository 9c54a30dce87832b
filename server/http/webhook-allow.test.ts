import { describe, expect, it } from 'vitest'
import { checkWebhookUrl } from './webhook-allow'

/** Which alert-channel URLs an ALERT_WEBHOOK_ALLOW list admits, however the host is spelled. */

const ALLOW = ['hooks.slack.com', '*.webhook.office.com', '10.20.0.0/16', 'fd00::/8']
const allowed = (url: string, allow = ALLOW) => checkWebhookUrl(url, allow).allowed

describe('checkWebhookUrl', () => {
  it('admits every URL when nothing is listed', () => {
    expect(allowed('http://127.0.0.1:5432/', [])).toBe(true)
  })

  it('matches host names exactly, or with subdomains for *. entries, case and trailing dot aside', () => {
    expect(allowed('https://hooks.slack.com/services/T0/B0/x')).toBe(true)
    expect(allowed('https://HOOKS.Slack.com./services/x')).toBe(true)
    expect(allowed('https://prod-12.westeurope.logic.azure.com/x')).toBe(false)
    expect(allowed('https://plant1.webhook.office.com/x')).toBe(true)
    expect(allowed('https://a.b.webhook.office.com/x')).toBe(true)
    expect(allowed('https://webhook.office.com/x')).toBe(false)
    expect(allowed('https://evilwebhook.office.com/x')).toBe(false)
    expect(allowed('https://hooks.slack.com.evil.example/x')).toBe(false)
    expect(allowed('https://user@evil.example/x')).toBe(false)
  })

  it('matches address literals against the ranges, whatever their spelling', () => {
    expect(allowed('http://10.20.3.4:8080/hook')).toBe(true)
    expect(allowed('http://10.21.0.1/hook')).toBe(false)
    expect(allowed('http://0x0a.20.3.4/hook')).toBe(true)
    expect(allowed('http://169.254.169.254/latest/meta-data')).toBe(false)
    expect(allowed('http://2130706433/')).toBe(false)
    expect(allowed('http://[fd00::5]:9000/hook')).toBe(true)
    expect(allowed('http://[::ffff:10.20.0.1]/hook')).toBe(true)
    expect(allowed('http://[::1]/hook')).toBe(false)
  })

  it('does not resolve names: a name is admitted only when listed, even if it points into a range', () => {
    expect(checkWebhookUrl('http://localhost:8080/hook', ['127.0.0.0/8'])).toEqual({ allowed: false, host: 'localhost' })
    expect(checkWebhookUrl('not a url', ALLOW)).toEqual({ allowed: false, host: null })
  })
})
