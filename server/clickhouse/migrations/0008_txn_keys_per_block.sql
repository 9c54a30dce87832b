-- txn_keys_mv writes each distinct key row of an insert block once (issue #22: the cost of an
-- insert per hop event). Every hop of a transaction carries the same business keys, so the ARRAY
-- JOIN of 0001 wrote up to six rows per hop event that the ReplacingMergeTree (ordered by the full
-- row but plant) collapsed later: of the eight views on hop_events this one cost the most per row
-- (bench/ingest/costs.ts). Grouping by the whole row keeps exactly the distinct rows the table ends
-- up with, so every read of txn_keys gets the same answer; only fewer duplicates wait for a merge.
ALTER TABLE {{database}}.txn_keys_mv MODIFY QUERY
SELECT
    k.1 AS key_type,
    k.2 AS key_value,
    origin_time,
    correlation_id,
    plant
FROM {{database}}.hop_events
ARRAY JOIN arrayFilter(
    x -> x.2 != '',
    [('work_order', work_order), ('lot', lot), ('material', material),
     ('shipment', shipment), ('erp_document', erp_document), ('trace_id', trace_id)]
) AS k
GROUP BY key_type, key_value, origin_time, correlation_id, plant;
