/** @type {import('next').NextConfig} */
const nextConfig = {
  // Native/in-process engines must stay outside the bundle: chDB loads a 540 MB shared library,
  // PGlite ships WASM and data files, pino uses worker threads.
  serverExternalPackages: ['chdb', '@electric-sql/pglite', 'pglite-prisma-adapter', 'pino', 'prom-client'],
  poweredByHeader: false,
  typedRoutes: false,
}

export default nextConfig
