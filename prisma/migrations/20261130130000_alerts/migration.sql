-- Alerts: rules per plant, onboarding marker, episodes, channels, the delivery outbox, silences
-- and maintenance windows, and the evaluator's lease (see prisma/schema.prisma, section Alerts).

-- CreateEnum
CREATE TYPE "AlertSeverity" AS ENUM ('info', 'warning', 'critical');

-- CreateEnum
CREATE TYPE "AlertRuleKind" AS ENUM ('kpi_sla', 'dead_letter_backlog', 'stuck_transactions', 'ingest_freshness', 'no_posting');

-- CreateEnum
CREATE TYPE "AlertEpisodeState" AS ENUM ('pending', 'firing', 'resolved');

-- CreateEnum
CREATE TYPE "AlertChannelKind" AS ENUM ('webhook', 'slack', 'teams');

-- CreateEnum
CREATE TYPE "AlertDeliveryEvent" AS ENUM ('firing', 'resolved', 'test');

-- CreateEnum
CREATE TYPE "AlertDeliveryStatus" AS ENUM ('pending', 'sent', 'failed');

-- CreateEnum
CREATE TYPE "AlertSilenceKind" AS ENUM ('silence', 'maintenance');

-- CreateTable
CREATE TABLE "alert_rules" (
    "id" TEXT NOT NULL,
    "plant_code" TEXT NOT NULL,
    "flow" TEXT NOT NULL DEFAULT '*',
    "line" TEXT,
    "kind" "AlertRuleKind" NOT NULL,
    "name" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "severity" "AlertSeverity" NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "from_template" BOOLEAN NOT NULL DEFAULT false,
    "for_minutes" INTEGER NOT NULL DEFAULT 0,
    "keep_firing_minutes" INTEGER NOT NULL DEFAULT 0,
    "updated_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_onboarding" (
    "plant_code" TEXT NOT NULL,
    "onboarded_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_onboarding_pkey" PRIMARY KEY ("plant_code")
);

-- CreateTable
CREATE TABLE "alert_episodes" (
    "id" TEXT NOT NULL,
    "rule_id" TEXT,
    "open_key" TEXT,
    "rule_name" TEXT NOT NULL,
    "kind" "AlertRuleKind" NOT NULL,
    "plant_code" TEXT NOT NULL,
    "flow" TEXT NOT NULL,
    "line" TEXT,
    "severity" "AlertSeverity" NOT NULL,
    "state" "AlertEpisodeState" NOT NULL,
    "started_at" TIMESTAMP(3) NOT NULL,
    "fired_at" TIMESTAMP(3),
    "resolved_at" TIMESTAMP(3),
    "cleared_since" TIMESTAMP(3),
    "last_evaluated_at" TIMESTAMP(3) NOT NULL,
    "value" DOUBLE PRECISION,
    "threshold" DOUBLE PRECISION,
    "unit" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "links" JSONB NOT NULL,
    "firing_notified" BOOLEAN NOT NULL DEFAULT false,
    "acknowledged_at" TIMESTAMP(3),
    "acknowledged_by" TEXT,
    "ack_comment" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_episodes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_channels" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AlertChannelKind" NOT NULL,
    "url" TEXT NOT NULL,
    "url_hint" TEXT NOT NULL,
    "severities" JSONB NOT NULL,
    "plants" JSONB NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_by" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_channels_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_deliveries" (
    "id" TEXT NOT NULL,
    "episode_id" TEXT,
    "channel_id" TEXT NOT NULL,
    "event" "AlertDeliveryEvent" NOT NULL,
    "status" "AlertDeliveryStatus" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "last_status" INTEGER,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_silences" (
    "id" TEXT NOT NULL,
    "plant_code" TEXT NOT NULL,
    "rule_id" TEXT,
    "flow" TEXT,
    "kind" "AlertSilenceKind" NOT NULL,
    "starts_at" TIMESTAMP(3) NOT NULL,
    "ends_at" TIMESTAMP(3) NOT NULL,
    "reason" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_silences_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "alert_leases" (
    "name" TEXT NOT NULL,
    "owner" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "alert_leases_pkey" PRIMARY KEY ("name")
);

-- CreateIndex
CREATE INDEX "alert_rules_plant_code_idx" ON "alert_rules"("plant_code");

-- CreateIndex
CREATE UNIQUE INDEX "alert_episodes_open_key_key" ON "alert_episodes"("open_key");

-- CreateIndex
CREATE INDEX "alert_episodes_state_plant_code_idx" ON "alert_episodes"("state", "plant_code");

-- CreateIndex
CREATE INDEX "alert_episodes_plant_code_started_at_idx" ON "alert_episodes"("plant_code", "started_at");

-- CreateIndex
CREATE INDEX "alert_episodes_rule_id_idx" ON "alert_episodes"("rule_id");

-- CreateIndex
CREATE UNIQUE INDEX "alert_deliveries_episode_id_channel_id_event_key" ON "alert_deliveries"("episode_id", "channel_id", "event");

-- CreateIndex
CREATE INDEX "alert_deliveries_status_next_attempt_at_idx" ON "alert_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "alert_deliveries_channel_id_idx" ON "alert_deliveries"("channel_id");

-- CreateIndex
CREATE INDEX "alert_silences_plant_code_ends_at_idx" ON "alert_silences"("plant_code", "ends_at");

-- CreateIndex
CREATE INDEX "alert_silences_rule_id_idx" ON "alert_silences"("rule_id");

-- AddForeignKey
ALTER TABLE "alert_episodes" ADD CONSTRAINT "alert_episodes_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_episode_id_fkey" FOREIGN KEY ("episode_id") REFERENCES "alert_episodes"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_deliveries" ADD CONSTRAINT "alert_deliveries_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "alert_silences" ADD CONSTRAINT "alert_silences_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "alert_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;
