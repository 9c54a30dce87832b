/**
 * Creates a console user, e.g. the first admin of a server deployment (which never gets default
 * passwords):  npm run user:create -- --email ops@example.com --name "Ops Admin" --role admin
 * The password is read from LINETRACE_PASSWORD or prompted for.
 */
import { createInterface } from 'node:readline/promises'
import { parseArgs } from 'node:util'
import { ZodError } from 'zod'
import { loadConfigOrExit } from '../server/config'
import { createDb } from '../server/db/client'
import { DomainError } from '../server/domain/errors'
import { seedPlants } from '../server/services/plants/seed'
import { createUser } from '../server/services/users/users'
import { ROLES, type Role } from '../server/domain/permissions'

const { values } = parseArgs({
  options: {
    email: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', default: 'admin' },
    plants: { type: 'string', default: '' },
  },
})

function fail(message: string): never {
  process.stderr.write(`user:create: ${message}\n`)
  process.exit(1)
}

if (!values.email) fail('--email is required, e.g. npm run user:create -- --email ops@example.com --name "Ops Admin" --role admin')
if (!ROLES.includes(values.role as Role)) fail(`--role must be one of ${ROLES.join(', ')}`)

const config = loadConfigOrExit('all')
let password = process.env.LINETRACE_PASSWORD
if (!password) {
  const rl = createInterface({ input: process.stdin, output: process.stderr })
  password = await rl.question('Password (at least 10 characters): ')
  rl.close()
}

const db = await createDb({ databaseUrl: config.env.DATABASE_URL, dataDir: config.env.DATA_DIR })
try {
  await db.migrate()
  await seedPlants(db.prisma)
  const user = await createUser({ db: db.prisma, principal: { userId: null, label: 'cli:user:create' } }, {
    email: values.email,
    name: values.name ?? values.email,
    password,
    role: values.role as Role,
    plants: values.plants.split(',').map((p) => p.trim()).filter(Boolean),
  })
  process.stdout.write(`Created ${user.role} ${user.email}${user.plants.length ? ` for plants ${user.plants.join(', ')}` : ''}\n`)
} catch (error) {
  if (error instanceof DomainError) fail(error.message)
  if (error instanceof ZodError) fail(error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '))
  throw error
} finally {
  await db.close()
}
