-- Where a dead letter came from, beyond topic/partition/offset (#19 item 6): the original record's
-- time, Kafka Connect's connector, task, stage and executing class, and Kafka Streams' processor
-- node. Nullable: existing rows stay valid (conventions that do not carry a field leave it null).

-- AlterTable
ALTER TABLE "dead_letters" ADD COLUMN "source_timestamp" TIMESTAMP(3),
ADD COLUMN "connector" TEXT,
ADD COLUMN "task_id" TEXT,
ADD COLUMN "stage" TEXT,
ADD COLUMN "executing_class" TEXT,
ADD COLUMN "processor_node" TEXT;
