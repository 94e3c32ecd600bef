ALTER TABLE "tool_calls" ADD COLUMN "repeat_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "tool_calls_one_pending_repeat" ON "tool_calls" USING btree ("agent","repeat_key") WHERE status = 'waiting_for_approval' AND repeat_key IS NOT NULL;--> statement-breakpoint
CREATE INDEX "tool_calls_repeats" ON "tool_calls" USING btree ("agent","repeat_key","created_at") WHERE repeat_key IS NOT NULL;