ALTER TABLE "jobs" ADD COLUMN "retainage_percent" numeric(5, 2);--> statement-breakpoint
ALTER TABLE "quote_versions" ADD COLUMN "retainage_percent" numeric(5, 2);