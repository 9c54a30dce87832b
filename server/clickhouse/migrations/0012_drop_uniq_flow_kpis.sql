-- The uniq-based rollups of 0002, replaced by flow_kpi_exact_1m / flow_kpi_exact_1h (0011). A file
-- of its own: 0011 reads flow_kpi_1h, so a run of 0011 interrupted after this drop could not be
-- finished.
DROP TABLE IF EXISTS {{database}}.flow_kpi_1m;
DROP TABLE IF EXISTS {{database}}.flow_kpi_1h;
