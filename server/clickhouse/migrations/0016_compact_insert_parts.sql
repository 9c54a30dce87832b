-- Parts written by inserts stay Compact (all columns in one data file); merged parts past 256 MiB
-- become Wide (a file per column), as before past 10 MiB, the default.
--
-- Why: a Wide part opens a compressed stream per column and substream (hop_events has ~45
-- columns, its attributes map three), each with its own buffers; for a 20k-row insert of OTLP
-- hops (~830 bytes a row, 12 MiB) the engine allocated ~230 MB of I/O buffers against ~16 MB for
-- the same rows as a Compact part. npm run bench -- ingest, two pairs in one session: phase (b)
-- 64.0k and 64.8k against 51.2k and 56.0k rows/s (19.9 and 19.4 against 24.4 and 21.3 CPU µs an
-- event); (c) moved less than the machine's noise (41.1k and 35.5k against 36.9k and 36.3k).
-- Every insert the pipeline makes with its defaults (INGEST_BATCH_MAX_ROWS 50,000, payloads up to
-- 64 MiB a batch) fits under the threshold; a batch size raised far beyond them makes Wide parts
-- again, as before. Merges make the large long-lived parts Wide, for column scans.
-- `min_level_for_wide_part = 1` would say "inserts Compact" directly, but only servers from 25.10
-- know it; this setting every version does. ClickHouse Cloud's own default is 1 GiB.
ALTER TABLE {{database}}.hop_events MODIFY SETTING min_bytes_for_wide_part = 268435456;
ALTER TABLE {{database}}.hop_payloads MODIFY SETTING min_bytes_for_wide_part = 268435456;
