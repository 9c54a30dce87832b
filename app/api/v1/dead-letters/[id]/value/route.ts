import { restHandler } from '@/server/rest/handler'
import { deadLetterValue } from '@/server/services/dead-letters/queries'

export const dynamic = 'force-dynamic'

/**
 * GET /api/v1/dead-letters/{id}/value: the record's whole value as bytes, a download (the detail
 * shows only the first MiB of a larger one). 204 when the record has no value.
 */
export const GET = restHandler({ role: 'viewer' }, async (ctx, { params }) => {
  const id = params.id ?? ''
  const value = await deadLetterValue(ctx, { id })
  if (value === null) return new Response(null, { status: 204 })
  return new Response(Buffer.from(value), {
    headers: {
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="dead-letter-${id.replace(/[^A-Za-z0-9-]/g, '')}.bin"`,
      'cache-control': 'no-store',
    },
  })
})
