-- Dead-letter triage (DLQ-REPLAY.md): comments, and when the DLQ topic's retention deletes a record
-- (the indexer's expiry warning).

-- AlterTable
ALTER TABLE "dead_letters" ADD COLUMN "expires_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "dead_letter_comments" (
    "id" TEXT NOT NULL,
    "dead_letter_id" TEXT NOT NULL,
    "author_id" TEXT,
    "author_label" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letter_comments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dead_letter_comments_dead_letter_id_created_at_idx" ON "dead_letter_comments"("dead_letter_id", "created_at");

-- AddForeignKey
ALTER TABLE "dead_letter_comments" ADD CONSTRAINT "dead_letter_comments_dead_letter_id_fkey" FOREIGN KEY ("dead_letter_id") REFERENCES "dead_letters"("id") ON DELETE CASCADE ON UPDATE CASCADE;
