-- Issue 21: topic taps declared by admins, and the status the ingest worker reports per tap.

-- CreateTable
CREATE TABLE "taps" (
    "name" TEXT NOT NULL,
    "definition" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT false,
    "created_by" TEXT NOT NULL,
    "updated_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "taps_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "tap_status" (
    "name" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "paused_reason" TEXT,
    "last_error" TEXT,
    "last_error_at" TIMESTAMP(3),
    "mapped" BIGINT NOT NULL DEFAULT 0,
    "failed" BIGINT NOT NULL DEFAULT 0,
    "records_per_second" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "lag" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tap_status_pkey" PRIMARY KEY ("name")
);
