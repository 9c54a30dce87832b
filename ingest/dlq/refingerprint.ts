import type { PrismaClient } from '../../server/db/client'
import type { Logger } from '../../server/logger'
import { FINGERPRINT_VERSION, fingerprintOf } from './fingerprint'

/**
 * The data migration of prisma/migrations/20261205020000_exception_groups: stored dead letters whose
 * fingerprint an older scheme computed get the current one, from their stored decoded fields. It
 * runs at the DLQ indexer's start, before it consumes. Idempotent: it only touches rows with an
 * older `fingerprint_version` and stamps the current one, so a second run (or a crash midway and
 * a restart) finds nothing or only what is left. Batches keep each transaction short.
 */

const BATCH = 500

export async function refingerprintDeadLetters(prisma: Pick<PrismaClient, 'deadLetter' | '$transaction'>, log?: Pick<Logger, 'info'>): Promise<number> {
  let updated = 0
  for (;;) {
    const rows = await prisma.deadLetter.findMany({
      where: { fingerprintVersion: { lt: FINGERPRINT_VERSION } },
      select: { id: true, errorCategory: true, errorCode: true, errorClass: true, errorMessage: true, flow: true, sourceTopic: true },
      take: BATCH,
    })
    if (!rows.length) break
    await prisma.$transaction(
      rows.map((r) =>
        prisma.deadLetter.update({
          where: { id: r.id },
          data: {
            fingerprint: fingerprintOf({ category: r.errorCategory, code: r.errorCode, errorClass: r.errorClass, message: r.errorMessage, flow: r.flow, sourceTopic: r.sourceTopic }),
            fingerprintVersion: FINGERPRINT_VERSION,
          },
        }),
      ),
    )
    updated += rows.length
  }
  if (updated) log?.info({ updated, version: FINGERPRINT_VERSION }, 'dead letters re-fingerprinted into root-cause groups')
  return updated
}
