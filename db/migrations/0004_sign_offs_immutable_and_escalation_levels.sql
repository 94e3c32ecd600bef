-- Each approver's sign-off is as immutable as a decision: the database refuses UPDATE, DELETE and
-- TRUNCATE on it, whoever the client is (countersign_refuse_change comes from 0001_immutable_ledger).
CREATE TRIGGER sign_offs_immutable BEFORE UPDATE OR DELETE ON "sign_offs"
  FOR EACH ROW EXECUTE FUNCTION countersign_refuse_change();
--> statement-breakpoint
CREATE TRIGGER sign_offs_no_truncate BEFORE TRUNCATE ON "sign_offs"
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_refuse_change();
--> statement-breakpoint
-- Approvals created before escalation levels carried one escalation (escalate_to, escalation_channels)
-- at the SLA breach. It becomes their one level, already fired where escalated_at says so, so an upgrade
-- neither drops a due escalation nor repeats one that went out.
UPDATE "approvals"
SET "escalations" = jsonb_build_array(jsonb_build_object(
      'at', to_char("sla_breach_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'to', "escalate_to",
      'channels', "escalation_channels")),
    "escalation_level" = CASE WHEN "escalated_at" IS NULL THEN 0 ELSE 1 END,
    "next_escalation_at" = CASE WHEN "escalated_at" IS NULL AND "status" = 'pending' THEN "sla_breach_at" END
WHERE jsonb_array_length("escalate_to") > 0 OR jsonb_array_length("escalation_channels") > 0;
