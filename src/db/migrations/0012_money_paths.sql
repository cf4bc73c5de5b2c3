ALTER TABLE "closeout_lines" ALTER COLUMN "unit_price" SET DATA TYPE numeric(20, 6);--> statement-breakpoint
ALTER TABLE "closeout_lines" ALTER COLUMN "list_price" SET DATA TYPE numeric(20, 6);--> statement-breakpoint
ALTER TABLE "catalog_items" ALTER COLUMN "unit_price" SET DATA TYPE numeric(20, 6);--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "deposit_model" text DEFAULT 'advance_invoice' NOT NULL;--> statement-breakpoint
ALTER TABLE "organizations" ADD COLUMN "payable_rounding_increment" numeric(9, 4);--> statement-breakpoint
UPDATE "organizations" SET "deposit_model" = 'payment_request' WHERE "tax_scheme" = 'us_sales_tax';