ALTER TABLE "audit_checkpoints" ADD COLUMN "seq" integer;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "mac" text;--> statement-breakpoint
UPDATE "audit_checkpoints" c SET "seq" = n.rn FROM (SELECT "organization_id", "id", row_number() OVER (PARTITION BY "organization_id" ORDER BY "at", "id") AS rn FROM "audit_checkpoints") n WHERE c."organization_id" = n."organization_id" AND c."id" = n."id";--> statement-breakpoint
CREATE UNIQUE INDEX "audit_checkpoints_seq_key" ON "audit_checkpoints" USING btree ("organization_id","seq");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("organization_id","at");