ALTER TABLE "invoices" ADD COLUMN "customer_id" uuid;--> statement-breakpoint
CREATE INDEX "invoices_customer_idx" ON "invoices" USING btree ("organization_id","customer_id","created_at");--> statement-breakpoint
-- Backfill: a job's document is its job's customer's, a cycle invoice its series', a credit note or
-- re-invoice its corrected invoice's.
UPDATE "invoices" i SET "customer_id" = j."customer_id"
  FROM "jobs" j WHERE j."organization_id" = i."organization_id" AND j."id" = i."job_id" AND i."customer_id" IS NULL;--> statement-breakpoint
UPDATE "invoices" i SET "customer_id" = s."customer_id"
  FROM "series" s WHERE s."organization_id" = i."organization_id" AND s."id" = i."series_id" AND i."customer_id" IS NULL;--> statement-breakpoint
UPDATE "invoices" i SET "customer_id" = c."customer_id"
  FROM "invoices" c WHERE c."organization_id" = i."organization_id" AND c."id" = i."corrects_invoice_id" AND i."customer_id" IS NULL;
