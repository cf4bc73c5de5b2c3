ALTER TABLE "series" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "series" ADD COLUMN "status_reason" text;--> statement-breakpoint
CREATE INDEX "series_customer_idx" ON "series" USING btree ("organization_id","customer_id");--> statement-breakpoint
-- Backfill: a part that "this and following" continued in a later part is closed for good.
UPDATE "series" s SET "status" = 'continued'
  WHERE EXISTS (SELECT 1 FROM "series" n WHERE n."organization_id" = s."organization_id" AND n."split_from" = s."id");
