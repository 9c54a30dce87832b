import type { Ctx } from '../../context/ctx'
import type { Prisma } from '../../db/client'
import { DomainError } from '../../domain/errors'
import { can } from '../../domain/permissions'
import { tapDefinitionSchema, type TapDefinition } from '../../domain/taps'
import { audit } from '../audit/audit'
import { problemsText, validTapDefinition } from './validate'

/**
 * Topic taps as admins manage them (issue #21): the taps stored in Postgres (`taps`, editable) and
 * the ones declared in TAPS_FILE (read-only here: the file is their source), each with what the
 * worker last reported of it (`tap_status`). Every change is audited in the same transaction.
 * The worker reads `taps` itself: a change applies from the next record it maps.
 */

export type TapsCtx = Pick<Ctx, 'db' | 'principal' | 'clientAddress' | 'config'>

export type TapOrigin = 'database' | 'file'

export interface TapStatusView {
  /** `starting`, `running`, `paused`, `stopped` (as the worker reports it). */
  state: string
  pausedReason: string | null
  lastError: string | null
  lastErrorAt: Date | null
  mapped: number
  failed: number
  recordsPerSecond: number
  lag: number
  /** When the worker last reported: an old one means no worker runs this tap. */
  updatedAt: Date
}

export interface TapView {
  name: string
  origin: TapOrigin
  /** File taps are changed in TAPS_FILE, never here. */
  readOnly: boolean
  enabled: boolean
  definition: TapDefinition
  /** Why a stored definition no longer passes the schema (written by another version); null when it does. */
  invalid: string | null
  createdBy: string | null
  updatedBy: string | null
  updatedAt: Date | null
  status: TapStatusView | null
}

type TapRow = Prisma.TapGetPayload<object>
type StatusRow = Prisma.TapStatusGetPayload<object>

export function requireAdmin(ctx: Pick<TapsCtx, 'principal'>, what: string): void {
  // The routers check the role already; this guard keeps any other caller from skipping it.
  if (!can(ctx.principal, 'administer')) throw new DomainError('FORBIDDEN', `${what} needs the admin role; you are ${ctx.principal.role}. Ask an admin.`)
}

function statusView(row: StatusRow | undefined): TapStatusView | null {
  if (!row) return null
  return {
    state: row.state,
    pausedReason: row.pausedReason,
    lastError: row.lastError,
    lastErrorAt: row.lastErrorAt,
    mapped: Number(row.mapped),
    failed: Number(row.failed),
    recordsPerSecond: row.recordsPerSecond,
    lag: Number(row.lag),
    updatedAt: row.updatedAt,
  }
}

function dbView(row: TapRow, status: StatusRow | undefined): TapView {
  const parsed = tapDefinitionSchema.safeParse(row.definition)
  return {
    name: row.name,
    origin: 'database',
    readOnly: false,
    enabled: row.enabled,
    definition: parsed.success ? parsed.data : (row.definition as TapDefinition),
    invalid: parsed.success ? null : problemsText(parsed.error.issues.map((i) => ({ field: i.path.join('.'), label: i.path.join('.'), message: i.message }))),
    createdBy: row.createdBy,
    updatedBy: row.updatedBy,
    updatedAt: row.updatedAt,
    status: statusView(status),
  }
}

function fileView(definition: TapDefinition, status: StatusRow | undefined): TapView {
  return { name: definition.name, origin: 'file', readOnly: true, enabled: true, definition, invalid: null, createdBy: null, updatedBy: null, updatedAt: null, status: statusView(status) }
}

const fileTap = (ctx: TapsCtx, name: string) => ctx.config.taps.find((t) => t.name === name)

export async function listTaps(ctx: TapsCtx): Promise<TapView[]> {
  requireAdmin(ctx, 'Listing taps')
  const [rows, statuses] = await Promise.all([ctx.db.tap.findMany({ orderBy: { name: 'asc' } }), ctx.db.tapStatus.findMany()])
  const statusOf = new Map(statuses.map((s) => [s.name, s]))
  const views = [...rows.map((r) => dbView(r, statusOf.get(r.name))), ...ctx.config.taps.map((d) => fileView(d, statusOf.get(d.name)))]
  return views.sort((a, b) => a.name.localeCompare(b.name))
}

export async function getTap(ctx: TapsCtx, { name }: { name: string }): Promise<TapView> {
  requireAdmin(ctx, 'Reading a tap')
  const [row, status] = await Promise.all([ctx.db.tap.findUnique({ where: { name } }), ctx.db.tapStatus.findUnique({ where: { name } })])
  if (row) return dbView(row, status ?? undefined)
  const declared = fileTap(ctx, name)
  if (declared) return fileView(declared, status ?? undefined)
  throw new DomainError('NOT_FOUND', `No tap named ${name}.`)
}

/** A change to a file tap: refused with where to make it instead. */
function refuseFileTap(ctx: TapsCtx, name: string, what: string): void {
  if (fileTap(ctx, name)) throw new DomainError('CONFLICT', `The tap ${name} is declared in TAPS_FILE, so it cannot be ${what} here; change the file and restart the worker.`)
}

async function storedTap(tx: Pick<Ctx['db'], 'tap'>, ctx: TapsCtx, name: string, what: string): Promise<TapRow> {
  refuseFileTap(ctx, name, what)
  const row = await tx.tap.findUnique({ where: { name } })
  if (!row) throw new DomainError('NOT_FOUND', `No tap named ${name}.`)
  return row
}

export interface CreateTapInput {
  /** The whole definition; validated here with the worker's schema and compiler. */
  definition: unknown
  /** Start the tap at once (REST's default); the editor creates disabled taps and enables them after a preview. */
  enabled?: boolean
}

export async function createTap(ctx: TapsCtx, input: CreateTapInput): Promise<TapView> {
  requireAdmin(ctx, 'Creating a tap')
  const definition = validTapDefinition(input.definition, 'The tap was not created')
  if (fileTap(ctx, definition.name)) throw new DomainError('CONFLICT', `A tap named ${definition.name} is declared in TAPS_FILE; choose another name.`)
  return ctx.db.$transaction(async (tx) => {
    if (await tx.tap.findUnique({ where: { name: definition.name } })) throw new DomainError('CONFLICT', `A tap named ${definition.name} exists already; choose another name or edit that one.`)
    const enabled = input.enabled ?? false
    const row = await tx.tap.create({ data: { name: definition.name, definition: definition as object, enabled, createdBy: ctx.principal.label, updatedBy: ctx.principal.label } })
    await audit(tx, { actor: ctx.principal, action: 'tap.create', targetType: 'tap', targetId: row.name, after: { definition, enabled }, ip: ctx.clientAddress })
    return dbView(row, undefined)
  })
}

export interface UpdateTapInput {
  name: string
  definition: unknown
  /** `updatedAt` of the tap the editor started from: a later change by someone else is a conflict. */
  baseUpdatedAt?: Date | null
}

export async function updateTap(ctx: TapsCtx, input: UpdateTapInput): Promise<TapView> {
  requireAdmin(ctx, 'Changing a tap')
  refuseFileTap(ctx, input.name, 'changed')
  const definition = validTapDefinition(input.definition, 'The tap was not saved')
  // The name is the tap's consumer group (linetrace-tap-<name>): a new name is a new tap.
  if (definition.name !== input.name)
    throw new DomainError('BAD_REQUEST', `The tap was not saved: Name (name): a tap cannot be renamed (its name is its consumer group); create ${definition.name} and delete ${input.name}.`)
  return ctx.db.$transaction(async (tx) => {
    const before = await storedTap(tx, ctx, input.name, 'changed')
    if (input.baseUpdatedAt && before.updatedAt.getTime() !== input.baseUpdatedAt.getTime())
      throw new DomainError('CONFLICT', `${before.updatedBy} changed the tap ${input.name} at ${before.updatedAt.toISOString()} after you opened it; reload to see their change, then make yours again.`)
    const row = await tx.tap.update({ where: { name: input.name }, data: { definition: definition as object, updatedBy: ctx.principal.label } })
    await audit(tx, { actor: ctx.principal, action: 'tap.update', targetType: 'tap', targetId: row.name, before: before.definition, after: row.definition, ip: ctx.clientAddress })
    return dbView(row, (await tx.tapStatus.findUnique({ where: { name: row.name } })) ?? undefined)
  })
}

/** Enable and disable: separate, audited steps (the editor's preview comes before). */
export async function setTapEnabled(ctx: TapsCtx, { name, enabled }: { name: string; enabled: boolean }): Promise<TapView> {
  requireAdmin(ctx, enabled ? 'Enabling a tap' : 'Disabling a tap')
  return ctx.db.$transaction(async (tx) => {
    const before = await storedTap(tx, ctx, name, enabled ? 'enabled' : 'disabled')
    const row = before.enabled === enabled ? before : await tx.tap.update({ where: { name }, data: { enabled, updatedBy: ctx.principal.label } })
    if (row !== before)
      await audit(tx, { actor: ctx.principal, action: enabled ? 'tap.enable' : 'tap.disable', targetType: 'tap', targetId: name, before: { enabled: before.enabled }, after: { enabled }, ip: ctx.clientAddress })
    return dbView(row, (await tx.tapStatus.findUnique({ where: { name } })) ?? undefined)
  })
}

export async function deleteTap(ctx: TapsCtx, { name }: { name: string }): Promise<{ deleted: string }> {
  requireAdmin(ctx, 'Deleting a tap')
  return ctx.db.$transaction(async (tx) => {
    const before = await storedTap(tx, ctx, name, 'deleted')
    await tx.tap.delete({ where: { name } })
    // The worker stops the tap when its row is gone; its last report would only mislead.
    await tx.tapStatus.deleteMany({ where: { name } })
    await audit(tx, { actor: ctx.principal, action: 'tap.delete', targetType: 'tap', targetId: name, before: { definition: before.definition, enabled: before.enabled }, ip: ctx.clientAddress })
    return { deleted: name }
  })
}

/** Clears the pause the worker set (too many records failed to map); the worker resumes the tap. File taps too: it is operation, not definition. */
export async function resumeTap(ctx: TapsCtx, { name }: { name: string }): Promise<TapView> {
  requireAdmin(ctx, 'Resuming a tap')
  return ctx.db.$transaction(async (tx) => {
    const status = await tx.tapStatus.findUnique({ where: { name } })
    if (!status?.pausedReason) {
      const known = fileTap(ctx, name) || (await tx.tap.findUnique({ where: { name } }))
      throw new DomainError(known ? 'CONFLICT' : 'NOT_FOUND', known ? `The tap ${name} is not paused; nothing to resume.` : `No tap named ${name}.`)
    }
    await tx.tapStatus.update({ where: { name }, data: { pausedReason: null } })
    await audit(tx, { actor: ctx.principal, action: 'tap.resume', targetType: 'tap', targetId: name, before: { pausedReason: status.pausedReason }, ip: ctx.clientAddress })
    const row = await tx.tap.findUnique({ where: { name } })
    const updated = (await tx.tapStatus.findUnique({ where: { name } })) ?? undefined
    return row ? dbView(row, updated) : fileView(fileTap(ctx, name)!, updated)
  })
}
