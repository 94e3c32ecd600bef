CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject" text NOT NULL,
	"key_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash")
);
--> statement-breakpoint
CREATE TABLE "approvals" (
	"id" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"agent" text NOT NULL,
	"tool" text,
	"action" text NOT NULL,
	"tool_call_id" text,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"context" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"risk" text,
	"policy" text,
	"rule" integer,
	"approvers" jsonb NOT NULL,
	"approver_refs" jsonb NOT NULL,
	"approver_slack_groups" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"channels" jsonb NOT NULL,
	"rationale_required" boolean DEFAULT true NOT NULL,
	"timeout_minutes" jsonb NOT NULL,
	"sla_at_risk_at" timestamp with time zone NOT NULL,
	"sla_breach_at" timestamp with time zone NOT NULL,
	"sla_state" text DEFAULT 'on_track' NOT NULL,
	"escalate_to" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"escalation_channels" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"escalated_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"type" text NOT NULL,
	"approval_id" text,
	"actor" text NOT NULL,
	"data" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"approval_id" text PRIMARY KEY NOT NULL,
	"decision" text NOT NULL,
	"kind" text NOT NULL,
	"via" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"rationale" text NOT NULL,
	"grant_by" text
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"approval_id" text NOT NULL,
	"purpose" text NOT NULL,
	"platform" text NOT NULL,
	"channel" text NOT NULL,
	"target" text,
	"message_ref" text,
	"status" text NOT NULL,
	"shown_version" integer DEFAULT 0 NOT NULL,
	"want_version" integer DEFAULT 1 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"error" text,
	"extra" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tool_calls" (
	"id" text PRIMARY KEY NOT NULL,
	"agent" text NOT NULL,
	"tool" text NOT NULL,
	"input" jsonb NOT NULL,
	"request_hash" text NOT NULL,
	"idempotency_key" text,
	"status" text NOT NULL,
	"reason" text,
	"policy" text,
	"rule" integer,
	"approval_id" text,
	"result" jsonb,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"lease_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_approval_id_approvals_id_fk" FOREIGN KEY ("approval_id") REFERENCES "public"."approvals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "approvals_status_expires" ON "approvals" USING btree ("status","expires_at");--> statement-breakpoint
CREATE INDEX "approvals_agent" ON "approvals" USING btree ("agent");--> statement-breakpoint
CREATE INDEX "approvals_created" ON "approvals" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "audit_events_approval" ON "audit_events" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "deliveries_approval" ON "deliveries" USING btree ("approval_id");--> statement-breakpoint
CREATE INDEX "deliveries_due" ON "deliveries" USING btree ("next_attempt_at") WHERE status = 'pending' OR (status = 'posted' AND shown_version < want_version);--> statement-breakpoint
CREATE UNIQUE INDEX "tool_calls_idempotency" ON "tool_calls" USING btree ("agent","idempotency_key");--> statement-breakpoint
CREATE INDEX "tool_calls_status" ON "tool_calls" USING btree ("status");