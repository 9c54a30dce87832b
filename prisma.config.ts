import { defineConfig } from 'prisma/config'

// Migrations are plain SQL applied by server/db/migrate.ts; this config serves `prisma generate`
// and, for users who have Prisma's schema engine, `prisma migrate deploy`.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/linetrace' },
})
