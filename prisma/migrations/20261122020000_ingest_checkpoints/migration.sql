-- CreateTable
CREATE TABLE "ingest_checkpoints" (
    "group_id" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "first_offset" BIGINT NOT NULL,
    "last_offset" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ingest_checkpoints_pkey" PRIMARY KEY ("group_id","topic","partition","first_offset")
);
