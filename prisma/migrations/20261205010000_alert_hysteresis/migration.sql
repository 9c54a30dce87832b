-- Alert hysteresis (issue 17): the onboarding template's rules resolved as soon as their condition
-- cleared (keep_firing_minutes 0), so a condition hovering at its bound paged again every few
-- minutes. Template rules nobody has edited since onboarding take the new resolve delays of
-- services/alerts/template.ts (ALERT_TIMING_DEFAULTS; the stuck rule: one flow SLA, its for time).
-- Rules an admin changed keep what the admin chose. Data only: the schema does not change.
UPDATE "alert_rules"
SET "keep_firing_minutes" = CASE "kind"
        WHEN 'stuck_transactions' THEN GREATEST("for_minutes", 1)
        WHEN 'ingest_freshness' THEN 5
        ELSE 10
    END
WHERE "from_template" = true
  AND "updated_by" = 'system:onboarding'
  AND "keep_firing_minutes" = 0;
