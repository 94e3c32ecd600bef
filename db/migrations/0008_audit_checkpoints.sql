CREATE TABLE "audit_checkpoints" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"event_id" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"key_id" text NOT NULL,
	"public_key" text NOT NULL,
	"signature" text NOT NULL
);
--> statement-breakpoint
-- Checkpoints are immutable like the ledger: the database refuses UPDATE, DELETE and TRUNCATE on them.
CREATE TRIGGER audit_checkpoints_immutable BEFORE UPDATE OR DELETE ON "audit_checkpoints"
  FOR EACH ROW EXECUTE FUNCTION countersign_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON "audit_checkpoints"
  FOR EACH STATEMENT EXECUTE FUNCTION countersign_refuse_change();
--> statement-breakpoint
-- The email-link signing key leaves the database (a key file or COUNTERSIGN_EMAIL_LINK_KEY): whoever can
-- read the database must not be able to mint decide links. Links signed with the old key stop working.
DROP TABLE "server_secrets" CASCADE;
