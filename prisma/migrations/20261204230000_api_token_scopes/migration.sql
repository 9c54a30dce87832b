-- API token scopes (issue #20): grants beyond the user's role; `ingest` lets a token send
-- telemetry to the OTLP receiver. Existing tokens get none.

-- AlterTable
ALTER TABLE "api_tokens" ADD COLUMN "scopes" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];
