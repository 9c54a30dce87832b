-- The resources of OpenTelemetry spans (service.name, service.instance.id, host, SDK, deployment
-- and whatever else an exporter's resource holds), stored once per resource instead of on every
-- span's hop. In OTLP a resource describes a whole batch of spans; copied into each hop's
-- attributes it was about 8 of a span's ~20 map entries, and map entries are most of what an OTLP
-- hop costs hop_events on insert (bench suite `otlp`). A hop mapped from a span names its resource
-- by the attribute `otel.resource_id` (ingest/otlp/resources.ts: a hash of the attributes), and the
-- trace view reads the resources of the hops it shows (queries/trace.ts otelResources).
--
-- The worker writes a resource the first time a process sees it in a delivery, and that delivery
-- commits only once the row is stored; it writes it again at most daily while spans keep coming,
-- which moves seen_at. So a hop is stored less than a day after its resource was last written, and
-- 91 days (hop_events keeps 90 from the origin time, which is never after the hop was stored) drop
-- a resource only once no hop in hop_events can refer to it.
-- ReplacingMergeTree on the id: the same resource written again (another process, a restart, a
-- retry) is one row after merges; reads take the latest per id and never wait for that.
CREATE TABLE IF NOT EXISTS {{database}}.otel_resources
(
    resource_id String,
    -- service.name, for admins reading the table directly
    service     LowCardinality(String),
    attributes  Map(LowCardinality(String), String),
    seen_at     DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(seen_at)
ORDER BY resource_id
TTL toDateTime(seen_at) + INTERVAL 91 DAY;
