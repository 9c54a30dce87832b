-- Business-key lookups (work order, lot, shipment, ERP document, trace id) on txn_keys: the sort key
-- finds the key's granule in every weekly part, but in a part that does not hold the key the binary
-- search still lands on one granule (8,192 rows) where the key would be. A bloom filter per granule
-- lets the read skip those, so a lookup reads about one granule per part that holds the key. `npm run
-- bench -- traces` measures it against a copy of the table without the index, in the same run.
ALTER TABLE {{database}}.txn_keys ADD INDEX IF NOT EXISTS key_value_bloom key_value TYPE bloom_filter(0.001) GRANULARITY 1;

-- Parts written before this migration get the index too (a mutation; new parts build it on insert).
ALTER TABLE {{database}}.txn_keys MATERIALIZE INDEX key_value_bloom;
