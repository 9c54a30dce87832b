-- Issue 20 item 4: the admin-edited OTLP mapping (one row, id 1), and an index for the admin's
-- per-service view, which counts the last 24 h of dead letters from the OTLP topic (unmapped spans).

-- CreateTable
CREATE TABLE "otlp_mapping" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "config" JSONB NOT NULL,
    "updated_by" TEXT NOT NULL,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "otlp_mapping_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "dead_letters_source_topic_record_timestamp_idx" ON "dead_letters"("source_topic", "record_timestamp");
