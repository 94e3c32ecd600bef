DROP INDEX "approvals_agent";--> statement-breakpoint
CREATE INDEX "approvals_agent_created" ON "approvals" USING btree ("agent","created_at");