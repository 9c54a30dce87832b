-- Replay jobs (DLQ-REPLAY.md "Replaying"): maker/checker, force, lease, crash-safe produce markers,
-- and the plants a job touches. Existing rows (none are expected) get '' / 'new' for the new
-- NOT NULL columns; the defaults are dropped afterwards, as schema.prisma declares none.

-- AlterTable
ALTER TABLE "replay_jobs" ALTER COLUMN "created_by_id" DROP NOT NULL;
ALTER TABLE "replay_jobs" ADD COLUMN "created_by_label" TEXT NOT NULL DEFAULT '';
ALTER TABLE "replay_jobs" ALTER COLUMN "created_by_label" DROP DEFAULT;
ALTER TABLE "replay_jobs" ADD COLUMN "approved_by_label" TEXT;
ALTER TABLE "replay_jobs" ADD COLUMN "approved_at" TIMESTAMP(3);
ALTER TABLE "replay_jobs" ADD COLUMN "force_reason" TEXT;
ALTER TABLE "replay_jobs" ADD COLUMN "edited" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "replay_jobs" ADD COLUMN "approval_required" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "replay_jobs" ADD COLUMN "last_error" TEXT;
ALTER TABLE "replay_jobs" ADD COLUMN "end_reason" TEXT;
ALTER TABLE "replay_jobs" ADD COLUMN "queued_at" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "replay_items" ADD COLUMN "previous_status" "DeadLetterStatus" NOT NULL DEFAULT 'new';
ALTER TABLE "replay_items" ALTER COLUMN "previous_status" DROP DEFAULT;
ALTER TABLE "replay_items" ADD COLUMN "duplicate_risk" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "replay_items" ADD COLUMN "ordering_risk" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "replay_items" ADD COLUMN "attempted_at" TIMESTAMP(3);
ALTER TABLE "replay_items" ADD COLUMN "probe_from" JSONB;
ALTER TABLE "replay_items" ADD COLUMN "produced_at" TIMESTAMP(3);
ALTER TABLE "replay_items" ADD COLUMN "archived_headers" JSONB;

-- CreateTable
CREATE TABLE "replay_job_plants" (
    "job_id" TEXT NOT NULL,
    "plant_code" TEXT NOT NULL,

    CONSTRAINT "replay_job_plants_pkey" PRIMARY KEY ("job_id","plant_code")
);

-- CreateIndex
CREATE INDEX "replay_jobs_created_at_idx" ON "replay_jobs"("created_at");

-- CreateIndex
CREATE INDEX "replay_items_job_id_status_idx" ON "replay_items"("job_id", "status");

-- CreateIndex
CREATE INDEX "replay_job_plants_plant_code_idx" ON "replay_job_plants"("plant_code");

-- AddForeignKey
ALTER TABLE "replay_job_plants" ADD CONSTRAINT "replay_job_plants_job_id_fkey" FOREIGN KEY ("job_id") REFERENCES "replay_jobs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Concurrency guard (not expressible in schema.prisma): at most one open (pending) replay item per
-- dead letter across all jobs, whatever the application does. Job creation also moves the dead
-- letter new|triaged|failed_again → replay_queued with a conditional update; this index is the
-- net under that guard: two concurrent requests can never both hold the record.
CREATE UNIQUE INDEX "replay_items_open_dead_letter_key" ON "replay_items"("dead_letter_id") WHERE "status" = 'pending';
