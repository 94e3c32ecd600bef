ALTER TABLE "approvals" DROP COLUMN "escalate_to";--> statement-breakpoint
ALTER TABLE "approvals" DROP COLUMN "escalation_channels";