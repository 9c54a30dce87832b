-- Issue 19: one exception group per root cause, and runbook notes per group.
--
-- The new fingerprint (ingest/dlq/fingerprint.ts, version 2) masks instance tokens with a sequence
-- of JavaScript regular expressions and hashes the parts with SHA-256. Re-implementing that masking
-- in SQL (POSIX regex, no lookahead in every engine we run) would give a second definition that
-- drifts from the one the indexer uses, splitting groups. So the stored rows are marked as version 1
-- here and recomputed by the one TypeScript function at the DLQ indexer's start-up
-- (ingest/dlq/refingerprint.ts): idempotent, batch-wise, only rows with an older version.
ALTER TABLE "dead_letters" ADD COLUMN "fingerprint_version" INTEGER NOT NULL DEFAULT 1;

CREATE TABLE "runbook_notes" (
    "id" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "author_id" TEXT,
    "author_label" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "runbook_notes_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "runbook_notes_fingerprint_created_at_idx" ON "runbook_notes"("fingerprint", "created_at");
