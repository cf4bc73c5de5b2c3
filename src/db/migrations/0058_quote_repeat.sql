ALTER TABLE "quote_versions" ADD COLUMN "repeat" jsonb;--> statement-breakpoint
ALTER TABLE "quotes" ADD COLUMN "series_id" uuid;