import { describe, expect, it } from 'vitest'
import { safeNext } from './safe-next'

const ORIGIN = 'http://127.0.0.1:3000'

describe('safeNext', () => {
  it.each([
    // The reproduced payloads, as the login page reads them from ?next=/%5C… and ?next=/%09/…
    ['/\\127.0.0.1:4401/x'],
    ['/\t/127.0.0.1:4401/x'],
    [decodeURIComponent('/%09/127.0.0.1:4401/x')],
    [decodeURIComponent('/%5C127.0.0.1:4401/x')],
    ['/\n/evil.example'],
    ['\\\\evil.example'],
    ['//evil'],
    ['/.//evil'],
    ['/%2F/..//evil'],
    ['https://evil'],
    ['http://127.0.0.1:4401/x'],
    ['javascript:alert(1)'],
    ['JaVaScRiPt:alert(1)'],
    ['data:text/html,<script>alert(1)</script>'],
  ])('refuses %j and goes home', (next) => {
    expect(safeNext(next, ORIGIN)).toBe('/')
  })

  it('keeps an encoded path on the console (it is a path, not a host)', () => {
    expect(safeNext('/%2F%2Fevil', ORIGIN)).toBe('/%2F%2Fevil')
    expect(new URL(safeNext('/%2F%2Fevil', ORIGIN), ORIGIN).origin).toBe(ORIGIN)
  })

  it.each([
    ['/traces?q=155031306975&plant=2100&status=posted'],
    ['/exceptions?plant=1000&errorCode=M7%2F053&status=new,triaged#group-3'],
    ['/alerts'],
    ['/'],
  ])('follows the console path %j unchanged', (next) => {
    expect(safeNext(next, ORIGIN)).toBe(next)
  })

  it('accepts an absolute URL on the console itself, as its path', () => {
    expect(safeNext(`${ORIGIN}/replays?job=7`, ORIGIN)).toBe('/replays?job=7')
  })

  it('goes home without a next parameter', () => {
    expect(safeNext(null, ORIGIN)).toBe('/')
    expect(safeNext('', ORIGIN)).toBe('/')
  })
})
