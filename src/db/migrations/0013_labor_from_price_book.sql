ALTER TABLE "organizations" ADD COLUMN "labor_pricing" text DEFAULT 'price_book' NOT NULL;--> statement-breakpoint
ALTER TABLE "job_types" ADD COLUMN "labor_sku" text;