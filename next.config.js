/**
 * Headers on every response. Pages also get proxy.ts's per-request policy, whose script-src allows
 * only that response's nonce (browsers enforce both policies); this one has no script-src, so API
 * answers and files are covered without a nonce. HSTS depends on PUBLIC_URL, a runtime setting,
 * while these are fixed at build time, so scripts/serve.ts adds it.
 */
const SECURITY_HEADERS = [
  {
    key: 'Content-Security-Policy',
    value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'",
  },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'strict-origin-when-cross-origin' },
]

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native/in-process engines must stay outside the bundle: chDB loads a 540 MB shared library,
  // PGlite ships WASM and data files, pino uses worker threads.
  serverExternalPackages: ['chdb', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pino', 'prom-client'],
  poweredByHeader: false,
  typedRoutes: false,
  headers: async () => [{ source: '/:path*', headers: SECURITY_HEADERS }],
}

export default nextConfig
