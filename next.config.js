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
  // \`npm start\` builds the console when its sources changed (scripts/serve.ts) and skips the type
  // check there: it is \`npm run typecheck\`'s (the tests and CI run it), and it took 30 of the 74 s
  // of a first build on a 2-core machine, time a first start would wait for. \`npm run build\` checks.
  typescript: { ignoreBuildErrors: process.env.LINETRACE_BUILD_TYPECHECK === 'skip' },
  // Turbopack's build cache only speeds up a later build, and writing it (164 MB) held the first
  // build's end back by 10-18 s on this machine: \`npm start\` goes without it (scripts/serve.ts).
  experimental: { turbopackFileSystemCacheForBuild: process.env.LINETRACE_BUILD_CACHE !== 'off' },
  typedRoutes: false,
  headers: async () => [{ source: '/:path*', headers: SECURITY_HEADERS }],
}

export default nextConfig
