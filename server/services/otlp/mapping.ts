import type { z } from 'zod'
import { otlpMappingConfigSchema, repeatedServicePatterns, type OtlpMappingConfig } from '../../domain/otlp-mapping'
import type { Config } from '../../config'
import type { Ctx } from '../../context/ctx'
import type { PrismaClient } from '../../db/client'
import { DomainError } from '../../domain/errors'
import { can } from '../../domain/permissions'
import { audit } from '../audit/audit'

/**
 * The admin-edited OTLP mapping (issue #20 item 4): one row of `otlp_mapping`, validated by the
 * same zod schema the worker maps with (server/domain/otlp-mapping.ts). Without a row the defaults
 * apply. OTLP_DEFAULT_PLANT stays the fallback default plant: a stored mapping that names none
 * keeps the environment's, so an install configured by environment keeps working after an admin
 * edits another field.
 */

/** The row's id: there is one mapping per install. */
const ROW = 1

export interface OtlpMappingView {
  /** The stored mapping, or the defaults when none was saved (its `defaultPlant` not merged with the environment's). */
  config: OtlpMappingConfig
  /** False until an admin saved one. */
  stored: boolean
  updatedAt: Date | null
  updatedBy: string | null
  /** OTLP_DEFAULT_PLANT: the default plant while the mapping names none. */
  envDefaultPlant: string | null
}

/** What the worker maps with: the mapping, its default plant falling back to OTLP_DEFAULT_PLANT. */
export function effectiveOtlpMapping(config: OtlpMappingConfig, envDefaultPlant: string | undefined | null): OtlpMappingConfig {
  return config.defaultPlant || !envDefaultPlant ? config : { ...config, defaultPlant: envDefaultPlant }
}

/**
 * The stored row without any role check: the worker's read. A row the current schema no longer
 * accepts (written by another version) is reported, never silently replaced by the defaults.
 */
export async function readOtlpMapping(db: Pick<PrismaClient, 'otlpMapping'>, config: Pick<Config, 'env'>): Promise<OtlpMappingView> {
  const row = await db.otlpMapping.findUnique({ where: { id: ROW } })
  const envDefaultPlant = config.env.OTLP_DEFAULT_PLANT ?? null
  if (!row) return { config: otlpMappingConfigSchema.parse({}), stored: false, updatedAt: null, updatedBy: null, envDefaultPlant }
  const parsed = otlpMappingConfigSchema.safeParse(row.config)
  if (!parsed.success) throw new Error(`The stored OTLP mapping (saved ${row.updatedAt.toISOString()} by ${row.updatedBy}) is invalid: ${issuesText(parsed.error)}`)
  return { config: parsed.data, stored: true, updatedAt: row.updatedAt, updatedBy: row.updatedBy, envDefaultPlant }
}

/** When the stored mapping last changed (null: none stored): the worker's cheap change check. */
export async function otlpMappingVersion(db: Pick<PrismaClient, 'otlpMapping'>): Promise<Date | null> {
  const row = await db.otlpMapping.findUnique({ where: { id: ROW }, select: { updatedAt: true } })
  return row?.updatedAt ?? null
}

/** What the mapping services need of their context (`Ctx`). */
export type OtlpMappingCtx = Pick<Ctx, 'db' | 'principal'> & { config: Pick<Config, 'env'> }

function requireAdmin(ctx: OtlpMappingCtx, what: string): void {
  // The admin router checks the role already; this is the service's own guard, so another caller
  // (a script, a future REST route) cannot skip it.
  if (!can(ctx.principal, 'administer')) throw new DomainError('FORBIDDEN', `${what} needs the admin role; you are ${ctx.principal.role}. Ask an admin.`)
}

export async function getOtlpMapping(ctx: OtlpMappingCtx): Promise<OtlpMappingView> {
  requireAdmin(ctx, 'Reading the OpenTelemetry mapping')
  return readOtlpMapping(ctx.db, ctx.config)
}

export interface SaveOtlpMappingInput {
  /** The whole mapping, as the editor holds it; validated here with the worker's schema. */
  config: unknown
  /** `updatedAt` of the mapping the editor started from (null: none was stored): a later save by someone else is a conflict. */
  baseUpdatedAt: Date | null
}

/** `services.2.plant: a plant code is …`: the path as the editor names its fields. */
function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : 'mapping'}: ${i.message}`)
    .join('; ')
}

/** What the schema allows but cannot be meant: a rule no span can reach (its exact pattern came earlier). */
function mappingProblems(config: OtlpMappingConfig): string[] {
  return repeatedServicePatterns(config.services).map(
    ({ index, first }) => `services.${index}.service: rule ${index + 1} repeats rule ${first + 1}'s pattern "${config.services[index]!.service}" and would never apply; remove one`,
  )
}

export async function saveOtlpMapping(ctx: OtlpMappingCtx, input: SaveOtlpMappingInput): Promise<OtlpMappingView> {
  requireAdmin(ctx, 'Changing the OpenTelemetry mapping')
  const parsed = otlpMappingConfigSchema.safeParse(input.config)
  if (!parsed.success) throw new DomainError('BAD_REQUEST', `The mapping was not saved: ${issuesText(parsed.error)}.`)
  const problems = mappingProblems(parsed.data)
  if (problems.length) throw new DomainError('BAD_REQUEST', `The mapping was not saved: ${problems.join('; ')}.`)

  return ctx.db.$transaction(async (tx) => {
    const before = await tx.otlpMapping.findUnique({ where: { id: ROW } })
    if ((before?.updatedAt.getTime() ?? null) !== (input.baseUpdatedAt?.getTime() ?? null))
      throw new DomainError(
        'CONFLICT',
        before
          ? `${before.updatedBy} changed the mapping at ${before.updatedAt.toISOString()} after you opened it; reload to see their change, then make yours again.`
          : 'The mapping was removed after you opened it; reload and make your change again.',
      )
    // Stored as the schema's output (every default spelled out): what the worker maps with is what the admin saw.
    const data = { config: parsed.data as object, updatedBy: ctx.principal.label }
    const after = await tx.otlpMapping.upsert({ where: { id: ROW }, create: { id: ROW, ...data }, update: data })
    await audit(tx, {
      actor: ctx.principal,
      action: 'otlp_mapping.update',
      targetType: 'otlp_mapping',
      targetId: String(ROW),
      before: before?.config ?? null,
      after: after.config,
    })
    return { config: parsed.data, stored: true, updatedAt: after.updatedAt, updatedBy: after.updatedBy, envDefaultPlant: ctx.config.env.OTLP_DEFAULT_PLANT ?? null }
  })
}
