ALTER TABLE "organizations" ADD COLUMN "quote_follow_up_days" integer DEFAULT 3;--> statement-breakpoint
ALTER TABLE "quote_versions" ADD COLUMN "follow_up_at" timestamp with time zone;