import { ZodError, type z } from 'zod'
import { requirePrincipal } from '@/server/auth/page-session'
import { urlParamIssues, type RawParams, type SchemaIssue, type UrlParamContext, type UrlParamIssue } from '@/server/domain/url-params'
import { getRuntime } from '@/server/runtime'
import { fromQueryString } from '@/server/rest/params'
import { DEAD_LETTER_LIST_KEYS, listFilterSchema } from '@/server/services/dead-letters/queries'
import { listPlants } from '@/server/services/plants/plants'
import { restSearchInput, traceRestQuery } from '../api/v1/traces/query'

/**
 * Each console page's URL parameters against the schema its REST twin uses (GET /api/v1/traces,
 * GET /api/v1/dead-letters), so a link the API would refuse with 400 is named on the page too.
 */

function issuesOf(schema: z.ZodType, input: unknown, after?: (data: never) => unknown): readonly SchemaIssue[] {
  const parsed = schema.safeParse(input)
  if (!parsed.success) return parsed.error.issues
  try {
    after?.(parsed.data as never)
  } catch (error) {
    if (error instanceof ZodError) return error.issues
    throw error
  }
  return []
}

const exceptionsQuery = fromQueryString(listFilterSchema, DEAD_LETTER_LIST_KEYS)

export const PAGE_CHECKS = {
  /** /traces: the search box `q` is REST's `key`; from/to go together and in order, as REST wants. */
  traces: { check: (input) => issuesOf(traceRestQuery, input, restSearchInput), rename: { q: 'key' } },
  /** /exceptions: the dead-letter list filter (the header's `range` is not part of it). */
  exceptions: { check: (input) => issuesOf(exceptionsQuery, input) },
  /** Pages with only the header's range and plant. */
  header: {},
} satisfies Record<string, Omit<UrlParamContext, 'plants'>>

export type PageCheck = keyof typeof PAGE_CHECKS

/** The issues of a page's URL for the signed-in user (unknown plants read "no such plant" to admins). */
export async function pageParamIssues(page: PageCheck, searchParams: Promise<RawParams>): Promise<UrlParamIssue[]> {
  const principal = await requirePrincipal()
  const plants = await listPlants({ db: (await getRuntime()).db.prisma, principal })
  return urlParamIssues(await searchParams, { ...PAGE_CHECKS[page], plants: { codes: plants.map((p) => p.code), all: principal.plants === 'all' } })
}
