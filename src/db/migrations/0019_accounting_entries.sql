ALTER TABLE "accounting_pushes" ADD COLUMN "entity" text DEFAULT 'document' NOT NULL;--> statement-breakpoint
ALTER TABLE "accounting_pushes" ADD COLUMN "subject_id" uuid;--> statement-breakpoint
UPDATE "accounting_pushes" SET "subject_id" = "invoice_id";--> statement-breakpoint
ALTER TABLE "accounting_pushes" ALTER COLUMN "subject_id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "accounting_pushes" DROP CONSTRAINT "accounting_pushes_organization_id_invoice_id_connector_id_pk";--> statement-breakpoint
ALTER TABLE "accounting_pushes" ADD CONSTRAINT "accounting_pushes_organization_id_connector_id_entity_subject_id_pk" PRIMARY KEY("organization_id","connector_id","entity","subject_id");--> statement-breakpoint
ALTER TABLE "accounting_pushes" ADD COLUMN "amount" numeric(18, 4);--> statement-breakpoint
ALTER TABLE "accounting_pushes" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "accounting_pushes" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "accounting_pushes_invoice_idx" ON "accounting_pushes" USING btree ("organization_id","invoice_id");--> statement-breakpoint
CREATE INDEX "accounting_pushes_pending_idx" ON "accounting_pushes" USING btree ("status","updated_at") WHERE "accounting_pushes"."status" = 'pending';
