-- The exact rollups of 0011, replaced by flow_kpi_counts_1m / flow_kpi_counts_1h (0014). A file of
-- its own: 0014 reads these tables, so a run of 0014 interrupted after this drop could not be
-- finished.
DROP TABLE IF EXISTS {{database}}.flow_kpi_exact_1m;
DROP TABLE IF EXISTS {{database}}.flow_kpi_exact_1h;
